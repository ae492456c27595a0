variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN that encrypts both queues; null uses SQS-managed encryption (SSE-SQS)."
  type        = string
  default     = null
}

variable "source_bucket_arn" {
  description = "ARN of the bucket whose ObjectCreated notifications may be sent to the media queue."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Default lease on a received message, in seconds; workers extend it by heartbeat for long jobs."
  type        = number
  default     = 300
}

variable "message_retention_seconds" {
  description = "How long the media queue keeps an unprocessed message, in seconds (default 4 days)."
  type        = number
  default     = 345600
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message, in seconds (default and maximum 14 days); must exceed the media queue's."
  type        = number
  default     = 1209600
}

variable "max_receive_count" {
  description = "Deliveries before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 5
    error_message = "max_receive_count must be at least 5 so that transient failures and worker restarts do not dead-letter media."
  }
}
