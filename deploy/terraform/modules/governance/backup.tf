# Daily AWS Backup of PostgreSQL and the raw and processed buckets into a KMS-encrypted vault,
# kept backup_retention_days. RDS automated backups (point-in-time) stay as they are; this adds
# copies that outlive the instance and cover the media. Failed jobs reach the alarm topic.
resource "aws_backup_vault" "this" {
  name        = var.name
  kms_key_arn = var.kms_key_arn
}

resource "aws_backup_plan" "daily" {
  name = "${var.name}-daily"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = "cron(0 5 * * ? *)" # 05:00 UTC, after the RDS backup window
    start_window      = 60
    completion_window = 480

    lifecycle {
      delete_after = var.backup_retention_days
    }
  }
}

data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name_prefix        = "${substr(var.name, 0, 24)}-backup-"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset([
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
  ])

  role       = aws_iam_role.backup.name
  policy_arn = each.value
}

resource "aws_backup_selection" "data" {
  name         = "${var.name}-data"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = var.backup_resource_arns
}

resource "aws_backup_vault_notifications" "failures" {
  backup_vault_name   = aws_backup_vault.this.name
  sns_topic_arn       = var.alarm_topic_arn
  backup_vault_events = ["BACKUP_JOB_FAILED", "S3_BACKUP_OBJECT_FAILED", "RESTORE_JOB_FAILED"]
}
