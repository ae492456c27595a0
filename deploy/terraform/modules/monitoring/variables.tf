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

variable "trace_sample_rate" {
  description = "Share of requests traced (0-1): the X-Ray sampling rule's fixed rate, and the app's OTEL_TRACES_SAMPLER_ARG."
  type        = number
  default     = 0.05

  validation {
    condition     = var.trace_sample_rate >= 0 && var.trace_sample_rate <= 1
    error_message = "trace_sample_rate is a fraction between 0 and 1."
  }
}

variable "api_latency_p95_threshold_s" {
  description = "p95 of the API's response time (ALB TargetResponseTime), in seconds, that raises an alarm when sustained for 10 minutes."
  type        = number
  default     = 2
}

variable "ephemeral_storage_threshold_percent" {
  description = "Share of a service's task ephemeral storage in use that raises an alarm (media being decoded fill it)."
  type        = number
  default     = 80
}

variable "cache_replication_group_id" {
  description = "ElastiCache replication group of the app's cache, for the dashboard's hit-rate panel."
  type        = string
}

variable "bucket_names" {
  description = "Buckets whose size the dashboard shows (raw, processed)."
  type        = list(string)
}
