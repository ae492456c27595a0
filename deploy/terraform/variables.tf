# -- identity --------------------------------------------------------------------------------
variable "project" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = "mediasift"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project: 2-16 lower-case letters, digits or hyphens (it goes into bucket names)."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod), the second part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment: 2-10 lower-case letters or digits."
  }
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "tags" {
  description = "Extra tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Existing KMS key ARN to encrypt everything with; null creates one key per environment."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the database and load balancer from deletion (and keep a final DB snapshot)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days to keep CloudWatch logs (app, VPC flow, RDS, Redis, WAF) and S3/ALB access logs."
  type        = number
  default     = 365
}

# -- network ---------------------------------------------------------------------------------
variable "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to span (2 or 3)."
  type        = number
  default     = 2
}

variable "az_suffixes" {
  description = "Zone letters the VPC may use (us-east-1 + a = us-east-1a); the first az_count available ones are taken, so a zone AWS adds later never moves a subnet."
  type        = list(string)
  default     = ["a", "b", "c"]
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper; dev) instead of one per AZ."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "Interface VPC endpoints to create (sqs always recommended; add ecr.api, ecr.dkr, logs, secretsmanager to cut NAT traffic)."
  type        = set(string)
  default     = ["sqs"]
}

variable "allowed_ingress_cidrs" {
  description = "Client CIDRs allowed to reach the API load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

# -- storage and events ----------------------------------------------------------------------
variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete non-empty buckets (dev only)."
  type        = bool
  default     = false
}

variable "raw_ia_transition_days" {
  description = "Days before originals (the raw bucket, and raw/ in the processed bucket) move to STANDARD_IA."
  type        = number
  default     = 30
}

variable "raw_glacier_transition_days" {
  description = "Days before objects dropped into the raw bucket (the app keeps its own copy) move to Glacier Flexible Retrieval."
  type        = number
  default     = 90
}

variable "processed_tiering_days" {
  description = "Days before artifacts (processed/ in the processed bucket) move to S3 Intelligent-Tiering."
  type        = number
  default     = 60
}

variable "noncurrent_version_expiration_days" {
  description = "Days before overwritten or deleted object versions are removed."
  type        = number
  default     = 30
}

variable "cors_origins" {
  description = "Browser origins of the web UI: allowed by the API and by the buckets for presigned uploads and downloads."
  type        = list(string)
  default     = []
}

variable "s3_event_prefix" {
  description = "Key prefix in the raw bucket whose new objects become ingest jobs."
  type        = string
  default     = "clients/"
}

variable "s3_event_suffixes" {
  description = "Media key suffixes (case-sensitive) in the raw bucket that become ingest jobs."
  type        = list(string)
  default = [
    ".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v",
    ".mp3", ".wav", ".m4a", ".flac", ".ogg", ".aac",
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic",
    ".pdf", ".pptx", ".docx",
    ".srt", ".vtt", # a video's subtitle files beside it: its tracks
    ".MP4", ".MOV", ".JPG", ".JPEG", ".PNG", ".PDF",
  ]
}

variable "s3_event_key_pattern" {
  description = "MEDIASIFT_S3_EVENT_KEY_PATTERN: how a raw-bucket key maps to tenant and metadata; must start with s3_event_prefix."
  type        = string
  default     = "clients/{tenant}/products/{sku}/media/{media_type}/{filename}"
}

# -- queue -----------------------------------------------------------------------------------
variable "visibility_timeout_s" {
  description = "Lease on a received message in seconds; workers extend it by heartbeat."
  type        = number
  default     = 300
}

variable "max_receive_count" {
  description = "Deliveries before a message is dead-lettered (>= 5); MEDIASIFT_MAX_ATTEMPTS is one fewer."
  type        = number
  default     = 5
}

# -- database and cache ----------------------------------------------------------------------
variable "db_instance_class" {
  description = "RDS PostgreSQL instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "db_allocated_storage_gb" {
  description = "Initial database storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "db_max_allocated_storage_gb" {
  description = "Database storage autoscaling ceiling in GiB."
  type        = number
  default     = 200
}

variable "db_multi_az" {
  description = "Multi-AZ standby for PostgreSQL."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated database backups."
  type        = number
  default     = 7
}

variable "db_performance_insights" {
  description = "Enable RDS Performance Insights (7 days free)."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache Redis node type."
  type        = string
  default     = "cache.t4g.micro"
}

variable "redis_multi_az" {
  description = "Redis replica in a second AZ with automatic failover."
  type        = bool
  default     = false
}

variable "redis_snapshot_retention_days" {
  description = "Days of Redis snapshots (the cache is rebuildable)."
  type        = number
  default     = 1
}

# -- application -----------------------------------------------------------------------------
variable "image_tag" {
  description = "Tag of the mediasift image pushed to the ECR repository (output ecr_repository_url)."
  type        = string
}

variable "image_uri" {
  description = "Full image URI to run instead of ECR + image_tag (e.g. a registry mirror)."
  type        = string
  default     = null
}

variable "app_secret_names" {
  description = "Environment variables injected from the app secret in Secrets Manager (fill after apply)."
  type        = list(string)
  default     = ["MEDIASIFT_OPENAI_API_KEY", "MEDIASIFT_GEMINI_API_KEY"]
}

variable "extra_environment" {
  description = "Extra plain MEDIASIFT_* settings for every container (e.g. MEDIASIFT_ASR_MODEL)."
  type        = map(string)
  default     = {}
}

variable "enable_execute_command" {
  description = "Allow ECS Exec shells into tasks (logged; makes the root filesystem writable)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on the load balancer; null serves HTTP only (dev)."
  type        = string
  default     = null
}

variable "enable_waf" {
  description = "Protect the load balancer with AWS WAF managed rules."
  type        = bool
  default     = true
}

variable "api_cpu" {
  description = "API task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 1024
}

variable "api_memory" {
  description = "API task memory in MiB."
  type        = number
  default     = 2048
}

variable "api_min_count" {
  description = "Minimum API tasks."
  type        = number
  default     = 1
}

variable "api_max_count" {
  description = "Maximum API tasks."
  type        = number
  default     = 4
}

variable "worker_cpu" {
  description = "Worker task CPU units."
  type        = number
  default     = 2048
}

variable "worker_memory" {
  description = "Worker task memory in MiB."
  type        = number
  default     = 4096
}

variable "worker_ephemeral_storage_gb" {
  description = "Worker task ephemeral storage in GiB."
  type        = number
  default     = 50
}

variable "worker_min_count" {
  description = "Minimum worker tasks (0 allowed: workers start when media arrive)."
  type        = number
  default     = 1
}

variable "worker_max_count" {
  description = "Maximum worker tasks."
  type        = number
  default     = 10
}

variable "worker_use_spot" {
  description = "Run workers on Fargate Spot."
  type        = bool
  default     = false
}

variable "worker_scale_out_backlog" {
  description = "Visible messages that trigger a worker scale-out."
  type        = number
  default     = 10
}

variable "worker_scale_out_age_s" {
  description = "Age of the oldest message (s) that adds a worker."
  type        = number
  default     = 300
}

variable "gpu_workers_enabled" {
  description = "Add EC2 GPU capacity and a GPU worker service."
  type        = bool
  default     = false
}

variable "gpu_instance_type" {
  description = "GPU instance type."
  type        = string
  default     = "g4dn.xlarge"
}

variable "gpu_instance_types" {
  description = "More GPU instance types the GPU Auto Scaling group may launch (Spot capacity pools)."
  type        = list(string)
  default     = ["g5.xlarge"]
}

variable "gpu_use_spot" {
  description = "Run GPU instances above gpu_on_demand_base on Spot, with capacity rebalancing."
  type        = bool
  default     = false
}

variable "gpu_on_demand_base" {
  description = "GPU instances that always stay on-demand."
  type        = number
  default     = 0
}

variable "gpu_max_count" {
  description = "Maximum GPU workers (instances)."
  type        = number
  default     = 2
}

# -- monitoring ------------------------------------------------------------------------------
variable "alarm_emails" {
  description = "E-mail addresses that receive alarms."
  type        = list(string)
  default     = []
}

variable "alarm_queue_depth" {
  description = "Sustained visible messages that raise the queue-depth alarm."
  type        = number
  default     = 500
}

variable "alarm_oldest_message_age_s" {
  description = "Age in seconds of the oldest media message that raises an alarm."
  type        = number
  default     = 900
}

variable "enable_collector" {
  description = "Run the ADOT collector sidecar in the API and worker tasks (traces to X-Ray, metrics to the Prometheus workspace)."
  type        = bool
  default     = true
}

variable "collector_image" {
  description = "ADOT collector image (pinned version)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
}

variable "trace_sample_rate" {
  description = "Share of requests traced (0-1): the X-Ray sampling rule and the app's sampler."
  type        = number
  default     = 0.05
}

# -- governance and cost ---------------------------------------------------------------------
variable "monthly_budget_usd" {
  description = "Monthly AWS cost budget in USD; 80 % and 100 % actual and 100 % forecast notify the alarm topic."
  type        = number
  default     = 500
}

variable "budget_emails" {
  description = "E-mail addresses told directly about budget thresholds."
  type        = list(string)
  default     = []
}

variable "backup_retention_days" {
  description = "Days the daily AWS Backup copies of the database and buckets are kept."
  type        = number
  default     = 35
}
