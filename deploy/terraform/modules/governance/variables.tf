variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN that encrypts the trail's log files, its log group and the backup vault."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the trail's events in CloudWatch Logs."
  type        = number
  default     = 365
}

variable "trail_name" {
  description = "Name of the CloudTrail trail (the logs bucket policy admits this trail only)."
  type        = string
}

variable "logs_bucket_name" {
  description = "Bucket the trail writes its log files to."
  type        = string
}

variable "cloudtrail_prefix" {
  description = "Key prefix of the trail's log files in the logs bucket."
  type        = string
  default     = "cloudtrail"
}

variable "data_event_bucket_arns" {
  description = "Buckets whose object-level reads and writes the trail records (raw and processed)."
  type        = list(string)
}

variable "alarm_topic_arn" {
  description = "SNS alarm topic that hears about budget thresholds and failed backups."
  type        = string
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget for the account, in USD."
  type        = number
}

variable "budget_emails" {
  description = "E-mail addresses told directly about budget thresholds (besides the alarm topic)."
  type        = list(string)
  default     = []
}

variable "backup_retention_days" {
  description = "Days a daily backup of the database and buckets is kept."
  type        = number
  default     = 35

  validation {
    condition     = var.backup_retention_days >= 1
    error_message = "backup_retention_days must be at least 1."
  }
}

variable "backup_resource_arns" {
  description = "What the daily backup plan copies: the RDS instance and the raw and processed buckets."
  type        = list(string)
}
