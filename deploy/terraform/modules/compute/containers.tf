# What every mediasift container gets: the scale-out backends (DESIGN.md) chosen by environment,
# connection strings, keys and the API-key pepper from Secrets Manager, logs to CloudWatch.
locals {
  image = coalesce(var.image_uri, "${aws_ecr_repository.app.repository_url}:${var.image_tag}")

  environment = merge({
    MEDIASIFT_HOME                 = "/var/lib/mediasift"
    MEDIASIFT_STORE                = "s3"
    MEDIASIFT_S3_BUCKET            = var.processed_bucket_name
    MEDIASIFT_S3_REGION            = local.region
    MEDIASIFT_S3_SSE               = "" # the bucket's default encryption (KMS, bucket key) applies
    MEDIASIFT_QUEUE                = "sqs"
    MEDIASIFT_SQS_QUEUE_URL        = var.queue_url
    MEDIASIFT_UPLOAD_BUCKET        = var.raw_bucket_name # direct uploads: its events reach the queue
    MEDIASIFT_S3_EVENT_KEY_PATTERN = var.s3_event_key_pattern
    MEDIASIFT_INDEX                = "pgvector"
    MEDIASIFT_CACHE                = "redis"
    # One receive fewer than the redrive policy allows: a worker must see the delivery after a job's
    # last attempt to record it dead (worker_lost) when that attempt killed its worker.
    MEDIASIFT_MAX_ATTEMPTS         = tostring(var.max_receive_count - 1)
    MEDIASIFT_VISIBILITY_TIMEOUT_S = tostring(var.visibility_timeout_s)
    MEDIASIFT_CORS_ORIGINS         = jsonencode(var.cors_origins)
    MEDIASIFT_SNS_TOPIC_ARN        = var.notifications_topic_arn
    AWS_REGION                     = local.region
  }, local.telemetry_environment, var.extra_environment)

  secrets = concat(
    [
      { name = "MEDIASIFT_CATALOG_URL", valueFrom = "${var.connection_secret_arn}:catalog_url::" },
      { name = "MEDIASIFT_PGVECTOR_URL", valueFrom = "${var.connection_secret_arn}:pgvector_url::" },
      { name = "MEDIASIFT_REDIS_URL", valueFrom = "${var.connection_secret_arn}:redis_url::" },
      # The version's ARN (the secret's) so no task starts before the pepper has a value.
      { name = "MEDIASIFT_API_KEY_PEPPER", valueFrom = aws_secretsmanager_secret_version.api_key_pepper.arn },
    ],
    [for name in var.app_secret_names : { name = name, valueFrom = "${aws_secretsmanager_secret.app.arn}:${name}::" }],
  )

  # The root filesystem is read-only; the app writes only to these task-local volumes.
  # ECS Exec needs a writable root, so enabling it relaxes this.
  scratch_volumes = ["tmp", "home"]
  mount_points = [
    { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    { sourceVolume = "home", containerPath = "/var/lib/mediasift", readOnly = false },
  ]

  container_base = {
    image                  = local.image
    essential              = true
    readonlyRootFilesystem = !var.enable_execute_command
    environment            = [for k, v in local.environment : { name = k, value = v }]
    secrets                = local.secrets
    mountPoints            = local.mount_points
    linuxParameters        = { initProcessEnabled = true }
    user                   = "10001:10001"
  }
}
