output "trail_arn" {
  description = "ARN of the multi-region CloudTrail trail."
  value       = aws_cloudtrail.this.arn
}

output "backup_vault_name" {
  description = "AWS Backup vault holding the daily backups."
  value       = aws_backup_vault.this.name
}

output "backup_plan_id" {
  description = "ID of the daily backup plan."
  value       = aws_backup_plan.daily.id
}

output "budget_name" {
  description = "Name of the monthly cost budget."
  value       = aws_budgets_budget.monthly.name
}
