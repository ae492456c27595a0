# LLM provider keys and other app secrets. Terraform creates the secret with empty values so the
# first deployment starts; operators put the real values (which never enter Terraform state):
#   aws secretsmanager put-secret-value --secret-id <app_secret_arn> --secret-string file://app-secrets.json
resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:Third-party API keys are rotated at their provider, then written here with put-secret-value; there is no Lambda that could rotate them.
  name_prefix             = "${var.name}/app-"
  description             = "mediasift: LLM provider keys and other application secrets"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "app_placeholder" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({ for name in var.app_secret_names : name => "" })

  lifecycle {
    ignore_changes = [secret_string]
  }
}
