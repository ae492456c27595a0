variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
}

variable "vpc_id" {
  description = "VPC that holds the database and cache."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnet IDs for the DB subnet group and the cache subnet group."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups (API and workers) allowed to connect to PostgreSQL and Redis."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key ARN for storage, Performance Insights, logs and the connection secret."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep PostgreSQL and Redis logs in CloudWatch Logs."
  type        = number
  default     = 365
}

# -- PostgreSQL ------------------------------------------------------------------------------
variable "db_engine_version" {
  description = "PostgreSQL engine version (16 major; RDS picks the newest minor and upgrades it)."
  type        = string
  default     = "16"
}

variable "db_instance_class" {
  description = "RDS instance class (db.t4g.small for dev, db.m7g.large or larger for prod)."
  type        = string
  default     = "db.t4g.small"
}

variable "db_allocated_storage_gb" {
  description = "Initial gp3 storage, in GiB."
  type        = number
  default     = 20
}

variable "db_max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling, in GiB."
  type        = number
  default     = 200
}

variable "db_multi_az" {
  description = "Run a synchronous standby in a second AZ (prod)."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1
    error_message = "Automated backups must stay enabled (at least 1 day)."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (true in prod); when false, no final snapshot is kept on destroy."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Enable Performance Insights (7 days of history is free)."
  type        = bool
  default     = true
}

variable "db_monitoring_interval_s" {
  description = "Enhanced Monitoring interval in seconds (0 disables; 60 is the cheapest enabled value)."
  type        = number
  default     = 60
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "mediasift"
}

variable "db_username" {
  description = "Master user name; the app connects as this user, and its pgvector index creates the vector extension on connecting."
  type        = string
  default     = "mediasift"
}

# -- Redis -----------------------------------------------------------------------------------
variable "redis_engine_version" {
  description = "ElastiCache Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "redis_node_type" {
  description = "ElastiCache node type (cache.t4g.micro for dev, cache.m7g.large for prod)."
  type        = string
  default     = "cache.t4g.micro"
}

variable "redis_multi_az" {
  description = "Primary plus a replica in another AZ with automatic failover (prod)."
  type        = bool
  default     = false
}

variable "redis_snapshot_retention_days" {
  description = "Days of daily Redis snapshots; the cache is rebuildable, so 1 is enough."
  type        = number
  default     = 1
}
