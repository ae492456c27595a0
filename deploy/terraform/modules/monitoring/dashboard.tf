locals {
  region = data.aws_region.current.name
  # The CloudWatch namespace of the app metrics the collectors copy with awsemf.
  emf_namespace = "mediasift/${var.name}"

  widgets = [
    {
      title = "Media queue"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queue_name, { label = "waiting" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", var.queue_name, { label = "in flight" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dlq_name, { label = "dead-lettered" }],
      ]
    },
    {
      title   = "Age of oldest media message (s)"
      metrics = [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queue_name]]
    },
    {
      title = "API requests and errors"
      metrics = [
        ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix, { stat = "Sum" }],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix, { stat = "Sum" }],
        ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "LoadBalancer", var.alb_arn_suffix, { stat = "Sum" }],
      ]
    },
    {
      title   = "API latency p95 (s)"
      metrics = [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, { stat = "p95" }]]
    },
    {
      title   = "ECS CPU (%)"
      metrics = [for s in var.service_names : ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", s]]
    },
    {
      title   = "ECS memory (%)"
      metrics = [for s in var.service_names : ["AWS/ECS", "MemoryUtilization", "ClusterName", var.cluster_name, "ServiceName", s]]
    },
    {
      title   = "Running tasks"
      metrics = [for s in var.service_names : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.cluster_name, "ServiceName", s]]
    },
    {
      title = "PostgreSQL"
      metrics = [
        ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", var.db_instance_id],
        ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", var.db_instance_id, { yAxis = "right" }],
      ]
    },
    # The app's cache is this Redis: its hit rate is the app's (search results, embeddings).
    {
      title = "Cache hit rate (%)"
      metrics = [[{
        id         = "hit_rate"
        label      = "hit rate"
        expression = "SEARCH('{AWS/ElastiCache,CacheClusterId} MetricName=\"CacheHitRate\" ${var.cache_replication_group_id}', 'Average', 60)"
      }]]
    },
    # The collectors' awsemf exporter copies the app's search histogram here (sum and count per
    # backend and mode): the average; the p95 is in Grafana over the Prometheus workspace.
    {
      title = "Vector search latency, average (s)"
      metrics = [[{
        id         = "search"
        label      = "search"
        expression = "SEARCH('{${local.emf_namespace},backend,mode} MetricName=\"mediasift_search_duration_seconds\"', 'Average', 60)"
      }]]
    },
    {
      title  = "Bucket size (bytes, daily)"
      period = 86400
      metrics = [for b in var.bucket_names : [{
        id         = "size_${replace(b, "-", "_")}"
        label      = b
        expression = "SEARCH('{AWS/S3,BucketName,StorageType} MetricName=\"BucketSizeBytes\" BucketName=\"${b}\"', 'Average', 86400)"
      }]]
    },
    {
      title = "Storage: task ephemeral used (GB), database free (bytes)"
      metrics = concat(
        [for s in var.service_names : ["ECS/ContainerInsights", "EphemeralStorageUtilized", "ClusterName", var.cluster_name, "ServiceName", s, { stat = "Maximum" }]],
        [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", var.db_instance_id, { yAxis = "right", stat = "Minimum" }]],
      )
    },
    {
      title = "Network (bytes/s per service; load balancer bytes)"
      metrics = concat(
        [for s in var.service_names : ["ECS/ContainerInsights", "NetworkRxBytes", "ClusterName", var.cluster_name, "ServiceName", s]],
        [for s in var.service_names : ["ECS/ContainerInsights", "NetworkTxBytes", "ClusterName", var.cluster_name, "ServiceName", s]],
        [["AWS/ApplicationELB", "ProcessedBytes", "LoadBalancer", var.alb_arn_suffix, { stat = "Sum", yAxis = "right" }]],
      )
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = [
      for i, w in local.widgets : {
        type   = "metric"
        x      = (i % 2) * 12
        y      = floor(i / 2) * 6
        width  = 12
        height = 6
        properties = {
          title   = w.title
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = lookup(w, "period", 60)
          stat    = "Average"
          metrics = w.metrics
        }
      }
    ]
  })
}
