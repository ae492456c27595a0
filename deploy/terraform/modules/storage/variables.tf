variable "name" {
  description = "Name prefix for every resource (project-environment); bucket names add a suffix."
  type        = string
}

variable "bucket_suffix" {
  description = "Suffix that makes bucket names globally unique (e.g. the AWS account ID)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for the raw and processed buckets; null uses the AWS-managed aws/s3 key."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete buckets that still hold objects (dev only)."
  type        = bool
  default     = false
}

variable "raw_ia_transition_days" {
  description = "Days after which originals move to STANDARD_IA: the raw bucket, and raw/ in the processed bucket."
  type        = number
  default     = 30
}

variable "raw_glacier_transition_days" {
  description = "Days after which objects dropped into the raw bucket (already copied into the processed bucket) move to Glacier Flexible Retrieval."
  type        = number
  default     = 90
}

variable "processed_tiering_days" {
  description = "Days after which artifacts (processed/ in the processed bucket) move to S3 Intelligent-Tiering."
  type        = number
  default     = 60
}

variable "cloudtrail_name" {
  description = "Name of the CloudTrail trail that writes to the logs bucket (its ARN conditions the bucket policy)."
  type        = string
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed."
  type        = number
  default     = 30
}

variable "log_expiration_days" {
  description = "Days to keep access logs in the logs bucket."
  type        = number
  default     = 365
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to upload (presigned PUT/POST) and read (presigned GET) objects; empty disables CORS."
  type        = list(string)
  default     = []
}

variable "notification_queue_arn" {
  description = "ARN of the SQS queue that receives ObjectCreated events from the raw bucket."
  type        = string
}

variable "notification_prefix" {
  description = "Only objects under this key prefix notify the queue (matches MEDIASIFT_S3_EVENT_KEY_PATTERN)."
  type        = string
  default     = "clients/"
}

variable "notification_suffixes" {
  description = "Object key suffixes (case-sensitive) that notify the queue: one S3 filter rule each."
  type        = list(string)
  default = [
    ".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v",
    ".mp3", ".wav", ".m4a", ".flac", ".ogg", ".aac",
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic",
    ".pdf", ".pptx", ".docx",
    ".MP4", ".MOV", ".JPG", ".JPEG", ".PNG", ".PDF",
  ]
}
