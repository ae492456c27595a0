variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC; subnets are carved from it (/20 each by default)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to spread subnets across (2 or 3)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "az_suffixes" {
  description = "Letters of the availability zones the VPC may use, in order of preference (the first az_count available ones are taken)."
  type        = list(string)
  default     = ["a", "b", "c"]

  validation {
    condition     = length(var.az_suffixes) >= 2 && alltrue([for s in var.az_suffixes : can(regex("^[a-z]$", s))])
    error_message = "az_suffixes: at least two single letters (a zone name is the region plus one)."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (4 on a /16 gives /20 subnets)."
  type        = number
  default     = 4
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheaper, dev) instead of one per AZ (highly available, prod)."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints in the private subnets (short names: sqs, ecr.api, ecr.dkr, logs, secretsmanager). S3 always gets a free gateway endpoint."
  type        = set(string)
  default     = ["sqs"]
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs in CloudWatch Logs."
  type        = number
  default     = 365
}

variable "flow_log_traffic_type" {
  description = "Traffic captured by VPC flow logs: ACCEPT, REJECT or ALL."
  type        = string
  default     = "REJECT"
}

variable "kms_key_arn" {
  description = "KMS key ARN that encrypts the flow-log log group."
  type        = string
}
