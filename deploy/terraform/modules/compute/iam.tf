locals {
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  log_group_arns = [
    for name in [var.api_log_group_name, var.worker_log_group_name] :
    "arn:aws:logs:${local.region}:${local.account_id}:log-group:${name}:*"
  ]
  kms_via_services = [
    "s3.${local.region}.amazonaws.com",
    "sqs.${local.region}.amazonaws.com",
    "sns.${local.region}.amazonaws.com",
  ]
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Execution role: what ECS itself needs to start a task (pull, log, read secrets).
# ---------------------------------------------------------------------------------------------
resource "aws_iam_role" "execution" {
  name_prefix        = "${substr(var.name, 0, 24)}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"] # has no resource-level permissions
    resources = ["*"]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = concat([aws_ecr_repository.app.arn], aws_ecr_repository.gpu[*].arn)
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = local.log_group_arns
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.connection_secret_arn, aws_secretsmanager_secret.app.arn, aws_secretsmanager_secret.api_key_pepper.arn]
  }

  statement {
    sid       = "DecryptSecretsAndImages"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-tasks"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---------------------------------------------------------------------------------------------
# API task role: uploads and presigned URLs, enqueueing, DLQ administration, notifications.
# ---------------------------------------------------------------------------------------------
resource "aws_iam_role" "api" {
  name_prefix        = "${substr(var.name, 0, 24)}-api-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "api" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.exec[*].json,
    var.enable_collector ? [data.aws_iam_policy_document.telemetry.json] : [],
  )

  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListBucket"]
    resources = [var.raw_bucket_arn, var.processed_bucket_arn]
  }

  statement {
    sid       = "ReadWriteMedia"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.raw_bucket_arn}/*", "${var.processed_bucket_arn}/*"]
  }

  # Direct uploads: presigned POST/PUT and multipart parts are signed with this role (PutObject
  # above); completing one first lists its parts to check their sizes.
  statement {
    sid       = "CompleteDirectUploads"
    actions   = ["s3:ListMultipartUploadParts"]
    resources = ["${var.raw_bucket_arn}/uploads/*"]
  }

  statement {
    sid       = "DeleteMedia"
    actions   = ["s3:DeleteObject"]
    resources = ["${var.processed_bucket_arn}/*"]
  }

  statement {
    sid       = "EnqueueJobs"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [var.queue_arn]
  }

  statement {
    sid = "AdministerDeadLetters"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:PurgeQueue",
    ]
    resources = [var.dlq_arn]
  }

  statement {
    sid       = "PublishJobEvents"
    actions   = ["sns:Publish"]
    resources = [var.notifications_topic_arn]
  }

  statement {
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_services
    }
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "mediasift-api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

# ---------------------------------------------------------------------------------------------
# Worker task role: read originals, write artifacts, consume the queue, publish completions.
# ---------------------------------------------------------------------------------------------
resource "aws_iam_role" "worker" {
  name_prefix        = "${substr(var.name, 0, 24)}-worker-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "worker" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.exec[*].json,
    var.enable_collector ? [data.aws_iam_policy_document.telemetry.json] : [],
  )

  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [var.processed_bucket_arn]
  }

  statement {
    sid       = "ReadOriginals"
    actions   = ["s3:GetObject"]
    resources = ["${var.raw_bucket_arn}/*"]
  }

  # A direct upload's object is deleted once the store holds its copy.
  statement {
    sid       = "DeleteIngestedDirectUploads"
    actions   = ["s3:DeleteObject"]
    resources = ["${var.raw_bucket_arn}/uploads/*"]
  }

  statement {
    sid       = "ReadWriteArtifacts"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"]
    resources = ["${var.processed_bucket_arn}/*"]
  }

  statement {
    sid = "ConsumeQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:SendMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]
    resources = [var.queue_arn]
  }

  # A job the worker gives up on is moved to the DLQ by the worker itself (the alarm counts it).
  statement {
    sid       = "WriteDeadLetters"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [var.dlq_arn]
  }

  statement {
    sid       = "PublishJobEvents"
    actions   = ["sns:Publish"]
    resources = [var.notifications_topic_arn]
  }

  statement {
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_services
    }
  }
}

resource "aws_iam_role_policy" "worker" {
  name   = "mediasift-worker"
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}

# ---------------------------------------------------------------------------------------------
# ECS Exec (only when enabled): session channels and session logging, for both task roles.
# ---------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "exec" {
  count = var.enable_execute_command ? 1 : 0

  statement {
    sid = "EcsExecChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"] # ssmmessages has no resource-level permissions
  }

  statement {
    sid       = "EcsExecFindLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${local.region}:${local.account_id}:log-group:*"]
  }

  statement {
    sid       = "EcsExecSessionLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["arn:aws:logs:${local.region}:${local.account_id}:log-group:${var.exec_log_group_name}:*"]
  }

  statement {
    sid       = "EcsExecSessionKey"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}
