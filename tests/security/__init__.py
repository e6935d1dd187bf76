"""Issue 14: each hole an attacker or a hurried producer found, as a named test."""
