# Where the ADOT collector sidecars (modules/compute/telemetry.tf) send what the app reports:
# Prometheus metrics into an Amazon Managed Service for Prometheus workspace, traces into X-Ray.

resource "aws_cloudwatch_log_group" "amp" {
  name              = "/aws/vendedlogs/prometheus/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_prometheus_workspace" "this" {
  alias       = var.name
  kms_key_arn = var.kms_key_arn

  logging_configuration {
    log_group_arn = "${aws_cloudwatch_log_group.amp.arn}:*"
  }
}

# The app's OpenTelemetry SDK samples root spans at the same rate (OTEL_TRACES_SAMPLER_ARG, from the
# same variable): the Python SDK has no X-Ray remote sampler, so this rule is what X-Ray shows and
# applies to any X-Ray-sampled caller of service "mediasift", and the two are kept equal here.
resource "aws_xray_sampling_rule" "mediasift" {
  rule_name      = substr("${var.name}-app", 0, 32)
  priority       = 1000
  version        = 1
  reservoir_size = 1
  fixed_rate     = var.trace_sample_rate
  service_name   = "mediasift"
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"
}

# Embedded-metric-format records from the collectors: CloudWatch turns them into the namespace
# local.emf_namespace that the dashboard's search-latency panel reads.
resource "aws_cloudwatch_log_group" "emf" {
  name              = "/mediasift/${var.name}/metrics"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}
