# One customer-managed key encrypts the buckets (raw, processed), queues, secrets, logs, SNS,
# RDS, ElastiCache and ECR. Bring your own with kms_key_arn (its policy must grant the same
# service permissions as below).
locals {
  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.main[0].arn
  account_id  = data.aws_caller_identity.current.account_id
  region      = data.aws_region.current.name
}

resource "aws_kms_key" "main" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "mediasift ${var.environment}: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main[0].key_id
}

# In a key policy, resource "*" means this key.
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:Key policy: resource "*" is this key only, and write access is limited to the account root and named AWS services with SourceAccount/encryption-context conditions.
  #checkov:skip=CKV_AWS_356:Key policy: in a KMS key policy resource "*" means the key itself, not all resources.
  #checkov:skip=CKV_AWS_109:Key policy: the account root must administer the key (AWS default key policy) or the key becomes unmanageable.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  # The trail encrypts its log files with this key, for this trail only.
  statement {
    sid       = "CloudTrailEncryptsLogs"
    actions   = ["kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = ["arn:aws:cloudtrail:*:${local.account_id}:trail/*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = ["arn:aws:cloudtrail:${local.region}:${local.account_id}:trail/${local.trail_name}"]
    }
  }

  statement {
    sid       = "CloudTrailDescribesKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # S3 event notifications into the encrypted queue; CloudWatch alarms, budget notifications and
  # backup failures into the encrypted alarm topic.
  statement {
    sid       = "ServicesPublishToEncryptedQueuesAndTopics"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com", "backup.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}
