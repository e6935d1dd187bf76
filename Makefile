# Accord developer commands. Each is a thin wrapper over tools/dev.py or the venv tools,
# so `make check` runs exactly what CI runs.
VENV := .venv/bin
SRC := src tests bench tools

.PHONY: help install run test check fmt lint typecheck db-upgrade openapi lock release audit

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: ## Create .venv with the pinned dev dependencies
	python3 tools/dev.py install --dev

run: ## Start Accord on the embedded SQLite default
	python3 tools/dev.py serve

test: install ## Run pytest on SQLite (no lint)
	ACCORD_TEST_DATABASE=sqlite $(VENV)/python -m pytest

check: ## What CI runs: format check, lint, types, tests on SQLite and PostgreSQL
	python3 tools/dev.py test

fmt: install ## Format the code
	$(VENV)/ruff format $(SRC) && $(VENV)/ruff check --fix $(SRC)

lint: install ## Lint
	$(VENV)/ruff format --check $(SRC) && $(VENV)/ruff check $(SRC)

typecheck: install ## mypy --strict over src and tests
	$(VENV)/mypy

db-upgrade: install ## Apply migrations to ACCORD_DATABASE_URL
	$(VENV)/accord db upgrade

openapi: install ## Regenerate the committed openapi.json
	$(VENV)/python -m accord.openapi

lock: ## Re-resolve the hashed locks after changing pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra build --python-version 3.11 --generate-hashes --no-header -o requirements/main.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --no-header -o requirements/dev.lock
	uv pip compile requirements/release.in --python-version 3.11 --generate-hashes --no-header -o requirements/release.lock

release: install ## Cut a release: make release VERSION=X.Y.Z (docs/releasing.md)
	$(VENV)/python tools/release.py $(VERSION)

audit: install ## pip-audit the hashed locks (accepted findings: .pip-audit-accepted)
	$(VENV)/python tools/release.py --audit
