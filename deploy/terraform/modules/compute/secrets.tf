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

# The API-key pepper (MEDIASIFT_API_KEY_PEPPER): keys are stored as HMAC-SHA256(pepper, key), so
# every task that creates or checks keys must share one value. Without it each task would invent
# its own in MEDIASIFT_HOME, a task-local scratch volume, and no key would verify anywhere else.
# A secret of its own, not a key of the app secret: put-secret-value on the app secret replaces
# its whole JSON, and losing the pepper would invalidate every API key.
resource "random_password" "api_key_pepper" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "api_key_pepper" {
  #checkov:skip=CKV2_AWS_57:Rotating the pepper invalidates every API key at once, so it is replaced only on purpose (terraform apply -replace=module.compute.random_password.api_key_pepper), never on a schedule.
  name_prefix             = "${var.name}/api-key-pepper-"
  description             = "mediasift: pepper of the API-key hashes (MEDIASIFT_API_KEY_PEPPER)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "api_key_pepper" {
  secret_id     = aws_secretsmanager_secret.api_key_pepper.id
  secret_string = random_password.api_key_pepper.result
}
