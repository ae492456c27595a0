# The AWS Distro for OpenTelemetry collector runs beside the app in every API and worker task
# (same network namespace, so 127.0.0.1 reaches it):
#   traces:  the app's OTLP/HTTP exporter (MEDIASIFT_OTLP_ENDPOINT) -> collector -> X-Ray;
#   metrics: the collector scrapes the app's /metrics on loopback (MEDIASIFT_METRICS_PORT for the
#            API, MEDIASIFT_WORKER_METRICS_PORT for workers; no API key needed there) and
#            remote-writes to the Prometheus workspace (SigV4), copying the few series the
#            CloudWatch dashboard shows into CloudWatch (awsemf).
# Its configuration is JSON (valid YAML) in AOT_CONFIG_CONTENT, so no config file is baked or mounted.
locals {
  otlp_port    = 4318
  metrics_port = 9464

  telemetry_environment = var.enable_collector ? {
    MEDIASIFT_OTLP_ENDPOINT       = "http://127.0.0.1:${local.otlp_port}/v1/traces"
    MEDIASIFT_METRICS_PORT        = tostring(local.metrics_port)
    MEDIASIFT_WORKER_METRICS_PORT = tostring(local.metrics_port)
    OTEL_TRACES_SAMPLER           = "parentbased_traceidratio"
    OTEL_TRACES_SAMPLER_ARG       = tostring(var.trace_sample_rate)
  } : {}

  collector_config = {
    for role in ["api", "worker", "gpu-worker"] : role => {
      extensions = {
        health_check = {}
        sigv4auth    = { region = local.region, service = "aps" }
      }
      receivers = {
        otlp = { protocols = { http = { endpoint = "127.0.0.1:${local.otlp_port}" } } }
        prometheus = {
          config = {
            scrape_configs = [{
              job_name        = "mediasift-${role}"
              scrape_interval = "30s"
              metrics_path    = "/metrics"
              static_configs  = [{ targets = ["127.0.0.1:${local.metrics_port}"] }]
            }]
          }
        }
      }
      processors = {
        # Task ARN, family and revision become labels: every task scrapes 127.0.0.1, so without
        # them the series of all tasks would collide in the workspace.
        resourcedetection = { detectors = ["env", "ecs"] }
        batch             = {}
      }
      exporters = {
        awsxray = { region = local.region }
        prometheusremotewrite = {
          endpoint                         = var.amp_remote_write_url
          auth                             = { authenticator = "sigv4auth" }
          resource_to_telemetry_conversion = { enabled = true }
        }
        awsemf = {
          region          = local.region
          namespace       = var.emf_namespace
          log_group_name  = var.emf_log_group_name
          log_stream_name = "${role}/{TaskId}"
          metric_declarations = [{
            dimensions            = [["backend", "mode"]]
            metric_name_selectors = ["^mediasift_search_duration_seconds$"]
          }]
        }
      }
      service = {
        extensions = ["health_check", "sigv4auth"]
        pipelines = {
          traces  = { receivers = ["otlp"], processors = ["resourcedetection", "batch"], exporters = ["awsxray"] }
          metrics = { receivers = ["prometheus"], processors = ["resourcedetection", "batch"], exporters = ["prometheusremotewrite", "awsemf"] }
        }
      }
    }
  }

  # Not essential: a collector that dies costs telemetry, never the API or a running job.
  collector_containers = {
    for role, config in local.collector_config : role => var.enable_collector ? [{
      name                   = "otel-collector"
      image                  = var.collector_image
      essential              = false
      readonlyRootFilesystem = true
      user                   = "10001:10001"
      memoryReservation      = 128
      environment            = [{ name = "AOT_CONFIG_CONTENT", value = jsonencode(config) }]
      healthCheck = {
        command     = ["/healthcheck"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = role == "api" ? var.api_log_group_name : var.worker_log_group_name
          awslogs-region        = local.region
          awslogs-stream-prefix = "otel-${role}"
        }
      }
    }] : []
  }

  # The app starts after its collector, so its first spans and scrapes have somewhere to go.
  collector_dependency = var.enable_collector ? [{ containerName = "otel-collector", condition = "START" }] : []
}

# Task-role permissions of the collector (it runs with the task's role).
data "aws_iam_policy_document" "telemetry" {
  statement {
    sid = "WriteTraces"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:GetSamplingStatisticSummaries",
    ]
    resources = ["*"] # X-Ray has no resource-level permissions for these
  }

  statement {
    sid       = "WriteMetrics"
    actions   = ["aps:RemoteWrite"]
    resources = [var.amp_workspace_arn]
  }

  statement {
    sid       = "WriteEmbeddedMetrics"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["arn:aws:logs:${local.region}:${local.account_id}:log-group:${var.emf_log_group_name}:*"]
  }
}
