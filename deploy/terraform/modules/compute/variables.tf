variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN for ECR, secrets, logs and the data the tasks read (S3, SQS)."
  type        = string
}

# -- network ---------------------------------------------------------------------------------
variable "vpc_id" {
  description = "VPC of the services."
  type        = string
}

variable "vpc_cidr_block" {
  description = "VPC CIDR; tasks may reach PostgreSQL and Redis only inside it."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets for the load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets for the tasks and GPU instances."
  type        = list(string)
}

variable "allowed_ingress_cidrs" {
  description = "Client CIDRs allowed to reach the load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

# -- data and secrets ------------------------------------------------------------------------
variable "raw_bucket_arn" {
  description = "ARN of the raw (upload and event) bucket."
  type        = string
}

variable "raw_bucket_name" {
  description = "Name of the raw bucket, where direct uploads (POST /v1/uploads) land (MEDIASIFT_UPLOAD_BUCKET)."
  type        = string
}

variable "processed_bucket_arn" {
  description = "ARN of the processed bucket, the app's object store."
  type        = string
}

variable "processed_bucket_name" {
  description = "Name of the processed bucket (MEDIASIFT_S3_BUCKET)."
  type        = string
}

variable "logs_bucket_name" {
  description = "Bucket for ALB access logs."
  type        = string
}

variable "alb_log_prefix" {
  description = "Key prefix for ALB access logs in the logs bucket."
  type        = string
  default     = "alb"
}

variable "queue_url" {
  description = "URL of the media queue (MEDIASIFT_SQS_QUEUE_URL)."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the media queue."
  type        = string
}

variable "queue_name" {
  description = "Name of the media queue, for the scaling alarms."
  type        = string
}

variable "dlq_arn" {
  description = "ARN of the dead-letter queue (the API's admin routes inspect and redrive it)."
  type        = string
}

variable "max_receive_count" {
  description = "The queue's maxReceiveCount; the app gets MEDIASIFT_MAX_ATTEMPTS one below it, so that workers, not the redrive policy, end jobs."
  type        = number
}

variable "visibility_timeout_s" {
  description = "Lease in seconds the workers take on a message (MEDIASIFT_VISIBILITY_TIMEOUT_S)."
  type        = number
  default     = 300
}

variable "connection_secret_arn" {
  description = "Secrets Manager ARN of the JSON secret with catalog_url, pgvector_url and redis_url."
  type        = string
}

variable "app_secret_names" {
  description = "Environment variables injected from the app secret (LLM and API keys). Terraform creates empty placeholders; put real values with `aws secretsmanager put-secret-value`."
  type        = list(string)
  default     = ["MEDIASIFT_OPENAI_API_KEY", "MEDIASIFT_GEMINI_API_KEY"]
}

variable "notifications_topic_arn" {
  description = "SNS topic for job-completion events; the tasks may publish to it."
  type        = string
}

# -- logs ------------------------------------------------------------------------------------
variable "api_log_group_name" {
  description = "CloudWatch log group for API containers."
  type        = string
}

variable "worker_log_group_name" {
  description = "CloudWatch log group for worker containers (CPU and GPU)."
  type        = string
}

variable "exec_log_group_name" {
  description = "CloudWatch log group for ECS Exec session logs."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep WAF logs."
  type        = number
  default     = 365
}

# -- application -----------------------------------------------------------------------------
variable "image_tag" {
  description = "Tag of the mediasift image in the ECR repository (images are immutable: use a version or git SHA)."
  type        = string
}

variable "image_uri" {
  description = "Full image URI to run instead of this module's ECR repository (null uses ECR + image_tag)."
  type        = string
  default     = null
}

variable "s3_event_key_pattern" {
  description = "MEDIASIFT_S3_EVENT_KEY_PATTERN: how an object key maps to tenant and metadata."
  type        = string
  default     = "clients/{tenant}/products/{sku}/media/{media_type}/{filename}"
}

variable "cors_origins" {
  description = "Browser origins allowed by the API (MEDIASIFT_CORS_ORIGINS)."
  type        = list(string)
  default     = []
}

variable "extra_environment" {
  description = "Additional plain environment variables for every container (no secrets here)."
  type        = map(string)
  default     = {}
}

variable "enable_execute_command" {
  description = "Allow `aws ecs execute-command` into running tasks (sessions are logged)."
  type        = bool
  default     = false
}

# -- API service -----------------------------------------------------------------------------
variable "api_cpu" {
  description = "API task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 1024
}

variable "api_memory" {
  description = "API task memory in MiB (the text-embedding model answers search queries)."
  type        = number
  default     = 2048
}

variable "api_min_count" {
  description = "Minimum number of API tasks."
  type        = number
  default     = 1
}

variable "api_max_count" {
  description = "Maximum number of API tasks."
  type        = number
  default     = 4
}

variable "api_cpu_target_percent" {
  description = "Average CPU utilisation the API autoscaling keeps."
  type        = number
  default     = 60
}

variable "api_requests_per_target" {
  description = "ALB requests per API task per minute the API autoscaling keeps."
  type        = number
  default     = 600
}

variable "certificate_arn" {
  description = "ACM certificate ARN for the HTTPS listener; null serves plain HTTP (dev only)."
  type        = string
  default     = null
}

variable "alb_deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true
}

variable "alb_idle_timeout_s" {
  description = "ALB idle timeout in seconds (long enough for large streamed uploads)."
  type        = number
  default     = 300
}

variable "enable_waf" {
  description = "Attach an AWS WAF web ACL (AWS managed common and known-bad-input rules) to the load balancer."
  type        = bool
  default     = true
}

# -- worker service --------------------------------------------------------------------------
variable "worker_cpu" {
  description = "Worker task CPU units (ASR and OCR are CPU bound: 2048 or more)."
  type        = number
  default     = 2048
}

variable "worker_memory" {
  description = "Worker task memory in MiB."
  type        = number
  default     = 4096
}

variable "worker_ephemeral_storage_gb" {
  description = "Worker task ephemeral storage in GiB (21-200) for media being decoded."
  type        = number
  default     = 50
}

variable "worker_min_count" {
  description = "Minimum number of worker tasks (0 lets an idle dev environment cost nothing for workers)."
  type        = number
  default     = 1
}

variable "worker_max_count" {
  description = "Maximum number of worker tasks."
  type        = number
  default     = 10
}

variable "worker_use_spot" {
  description = "Run workers on Fargate Spot (about 70% cheaper; interrupted jobs are redelivered)."
  type        = bool
  default     = false
}

variable "worker_scale_out_backlog" {
  description = "Visible messages that start a worker scale-out."
  type        = number
  default     = 10
}

variable "worker_scale_out_age_s" {
  description = "Age of the oldest message, in seconds, that adds workers regardless of depth."
  type        = number
  default     = 300
}

variable "worker_scale_in_messages_per_task" {
  description = "Scale in by one worker when (visible + in-flight messages) per running worker stays below this for 10 minutes."
  type        = number
  default     = 1
}

# -- optional GPU workers --------------------------------------------------------------------
variable "gpu_workers_enabled" {
  description = "Add an EC2 GPU capacity provider and a GPU worker service (speech recognition)."
  type        = bool
  default     = false
}

variable "gpu_instance_type" {
  description = "EC2 instance type for GPU workers."
  type        = string
  default     = "g4dn.xlarge"
}

variable "gpu_instance_types" {
  description = "More GPU instance types the Auto Scaling group may launch besides gpu_instance_type (more types, more Spot capacity pools)."
  type        = list(string)
  default     = ["g5.xlarge"]
}

variable "gpu_use_spot" {
  description = "Run GPU instances above gpu_on_demand_base on Spot (capacity rebalancing on; the worker releases its job on the interruption's SIGTERM)."
  type        = bool
  default     = false
}

variable "gpu_on_demand_base" {
  description = "GPU instances that always stay on-demand, whatever gpu_use_spot says."
  type        = number
  default     = 0
}

variable "gpu_min_count" {
  description = "Minimum number of GPU worker tasks (and instances)."
  type        = number
  default     = 0
}

variable "gpu_max_count" {
  description = "Maximum number of GPU worker tasks (and instances)."
  type        = number
  default     = 2
}

variable "gpu_ami_ssm_parameter" {
  description = "SSM parameter holding the ECS-optimized GPU AMI ID."
  type        = string
  default     = "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id"
}

# -- telemetry (ADOT collector sidecar) ------------------------------------------------------
variable "enable_collector" {
  description = "Run the AWS Distro for OpenTelemetry collector beside the API and workers (traces to X-Ray, metrics to the Prometheus workspace)."
  type        = bool
  default     = true
}

variable "collector_image" {
  description = "Image of the ADOT collector sidecar (pin a version; public ECR needs the NAT or a pull-through cache)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
}

variable "amp_workspace_arn" {
  description = "ARN of the Amazon Managed Service for Prometheus workspace (aps:RemoteWrite is granted on it)."
  type        = string
}

variable "amp_remote_write_url" {
  description = "Remote-write URL of the Prometheus workspace."
  type        = string
}

variable "emf_namespace" {
  description = "CloudWatch namespace for the app metrics the collector copies with awsemf."
  type        = string
}

variable "emf_log_group_name" {
  description = "Log group of the collector's embedded-metric-format records."
  type        = string
}

variable "trace_sample_rate" {
  description = "Share of root spans the app samples (OTEL_TRACES_SAMPLER_ARG); equal to the X-Ray sampling rule's rate."
  type        = number
  default     = 0.05
}
