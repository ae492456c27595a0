# Governance and cost: an account-wide CloudTrail trail (this file), a monthly AWS Budget
# (budgets.tf) and a daily AWS Backup plan for the database and the buckets (backup.tf).

data "aws_caller_identity" "current" {}

# Every region, global services (IAM, STS) included, digest files to prove nothing was changed,
# encrypted with the deployment's key, into the logs bucket under cloudtrail/ (the bucket policy
# in modules/storage admits exactly this trail there).
resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV_AWS_252:An SNS message per delivered log file is noise, not an alert; the events go to CloudWatch Logs, where metric filters and alarms can watch them.
  name                          = var.trail_name
  s3_bucket_name                = var.logs_bucket_name
  s3_key_prefix                 = var.cloudtrail_prefix
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = var.kms_key_arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.cloudtrail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.cloudtrail.arn

  # Reads and writes of media (object-level) in the app's buckets, beside the management events.
  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::S3::Object"
      values = [for arn in var.data_event_bucket_arns : "${arn}/"]
    }
  }
}

# The same events in CloudWatch Logs, where metric filters and Logs Insights can reach them.
resource "aws_cloudwatch_log_group" "cloudtrail" {
  name              = "/aws/cloudtrail/${var.trail_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "cloudtrail_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "cloudtrail" {
  name_prefix        = "${substr(var.name, 0, 24)}-trail-"
  assume_role_policy = data.aws_iam_policy_document.cloudtrail_assume.json
}

data "aws_iam_policy_document" "cloudtrail_logs" {
  statement {
    sid       = "DeliverToLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.cloudtrail.arn}:*"]
  }
}

resource "aws_iam_role_policy" "cloudtrail" {
  name   = "deliver-to-cloudwatch-logs"
  role   = aws_iam_role.cloudtrail.id
  policy = data.aws_iam_policy_document.cloudtrail_logs.json
}
