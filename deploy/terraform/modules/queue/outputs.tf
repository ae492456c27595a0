output "queue_url" {
  description = "URL of the media queue (MEDIASIFT_SQS_QUEUE_URL)."
  value       = aws_sqs_queue.media.url
}

# Depends on the queue policy: S3 validates the destination when the notification is created,
# so anything wiring a bucket notification to this ARN must wait for the policy.
output "queue_arn" {
  description = "ARN of the media queue; resolves only after the queue policy admitting the bucket exists."
  value       = aws_sqs_queue.media.arn
  depends_on  = [aws_sqs_queue_policy.media]
}

output "queue_name" {
  description = "Name of the media queue (CloudWatch QueueName dimension)."
  value       = aws_sqs_queue.media.name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue (CloudWatch QueueName dimension)."
  value       = aws_sqs_queue.dlq.name
}
