data "aws_caller_identity" "current" {}

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-media-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 3600
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
}

resource "aws_sqs_queue" "media" {
  name                              = "${var.name}-media"
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 3600
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  lifecycle {
    precondition {
      condition     = var.dlq_message_retention_seconds > var.message_retention_seconds
      error_message = "The dead-letter queue must keep messages longer than the media queue."
    }
  }
}

# Only the media queue may dead-letter into the DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.media.arn]
  })
}

# The resource policy lets exactly one outside sender in: the raw bucket's notifications.
# The app's own roles send through their identity policies (same account).
data "aws_iam_policy_document" "media" {
  statement {
    sid       = "AllowRawBucketNotifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.media.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.source_bucket_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.media.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "media" {
  queue_url = aws_sqs_queue.media.id
  policy    = data.aws_iam_policy_document.media.json
}
