"""People who sign in through the company's OpenID Connect provider."""
