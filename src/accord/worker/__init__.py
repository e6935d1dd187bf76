"""The job runner: claims deliveries and scheduled tasks with leases, retries, dead letters."""
