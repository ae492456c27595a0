variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN that encrypts the log groups and SNS topics."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep application logs."
  type        = number
  default     = 365
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "queue_name" {
  description = "Name of the media queue."
  type        = string
}

variable "dlq_name" {
  description = "Name of the dead-letter queue."
  type        = string
}

variable "queue_depth_threshold" {
  description = "Visible messages that page someone when sustained for 15 minutes (workers are not keeping up)."
  type        = number
  default     = 500
}

variable "oldest_message_age_threshold_s" {
  description = "Age of the oldest media message, in seconds, that raises an alarm."
  type        = number
  default     = 900
}

variable "alb_5xx_rate_threshold_percent" {
  description = "Percentage of requests answered 5xx (by targets or the ALB) that raises an alarm."
  type        = number
  default     = 5
}

variable "ecs_utilization_threshold_percent" {
  description = "ECS service average CPU or memory utilisation that raises an alarm."
  type        = number
  default     = 85
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the API load balancer."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the API target group."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
}

variable "service_names" {
  description = "ECS services to alarm on for CPU and memory (API and workers)."
  type        = list(string)
}

variable "db_instance_id" {
  description = "RDS instance identifier, for the dashboard and storage alarm."
  type        = string
}

variable "db_free_storage_threshold_bytes" {
  description = "Free storage on the database, in bytes, below which an alarm is raised."
  type        = number
  default     = 5368709120
}
