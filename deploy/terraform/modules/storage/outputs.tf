output "raw_bucket_name" {
  description = "Name of the raw (upload and event) bucket."
  value       = aws_s3_bucket.raw.id
}

output "raw_bucket_arn" {
  description = "ARN of the raw bucket."
  value       = aws_s3_bucket.raw.arn
}

output "processed_bucket_name" {
  description = "Name of the processed bucket, the app's object store (MEDIASIFT_S3_BUCKET)."
  value       = aws_s3_bucket.processed.id
}

output "processed_bucket_arn" {
  description = "ARN of the processed bucket."
  value       = aws_s3_bucket.processed.arn
}

output "logs_bucket_name" {
  description = "Name of the access-logs bucket."
  value       = aws_s3_bucket.logs.id
}

output "logs_bucket_arn" {
  description = "ARN of the access-logs bucket."
  value       = aws_s3_bucket.logs.arn
}

output "alb_log_prefix" {
  description = "Key prefix under which the ALB writes access logs in the logs bucket."
  value       = "alb"
}

output "cloudtrail_prefix" {
  description = "Key prefix in the logs bucket that the bucket policy opens to the CloudTrail trail."
  value       = local.cloudtrail_prefix
}
