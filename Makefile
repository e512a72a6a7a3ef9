# Parley: `make demo` to try it, `make test` to check it.
PORT ?= 8000
HOST ?= 127.0.0.1
UV_VERSION := 0.13.8
UV := .uv/bin/uv
PY := .venv/bin/python
HTMX_VERSION := 2.0.11
HTMX_WS_VERSION := 2.0.4

.PHONY: demo test test-unit test-postgres test-e2e lint format bench install browser vendor clean

$(UV):
	python3 -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	touch $@

install: .venv/.installed

# Browser tests drive Debian's chromium; Playwright never downloads a browser here. The fonts
# let the screenshots show Arabic, Khmer, Japanese and emoji instead of boxes.
BROWSER_FONTS := fonts-noto-core fonts-droid-fallback fonts-noto-color-emoji
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'apt-get install chromium' as root." >&2; exit 1; }; }
	@dpkg -s $(BROWSER_FONTS) >/dev/null 2>&1 || { echo "Installing fonts for the browser tests' screenshots…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_FONTS) >/dev/null) \
	  || echo "Could not install $(BROWSER_FONTS): screenshots of other scripts will show boxes." >&2; }

demo: install
	.venv/bin/parley demo --host $(HOST) --port $(PORT)

# The whole suite: unit, API and websocket tests on SQLite, the same on
# PostgreSQL, then browser and scale-out tests against real server processes.
test: install browser
	$(PY) -m pytest -q -n 2 -m "not e2e"
	DATABASE_URL=$${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest -q -n 2 -m "not e2e"
	$(PY) -m pytest -q -m e2e

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .

format: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: install
	$(PY) bench/chat_load.py
	$(PY) bench/inbox_queries.py
	$(PY) bench/tracking_load.py
	$(PY) bench/widget_load.py
	$(PY) bench/bot_load.py --paces 5-15,5-15,1-3
	$(PY) bench/knowledge_quality.py
	$(PY) bench/knowledge_ideas.py

# Refresh the vendored htmx files from the npm registry.
vendor:
	rm -rf .vendor-tmp && mkdir .vendor-tmp
	cd .vendor-tmp && npm pack --silent htmx.org@$(HTMX_VERSION) htmx-ext-ws@$(HTMX_WS_VERSION) >/dev/null
	tar -xzf .vendor-tmp/htmx.org-$(HTMX_VERSION).tgz -C .vendor-tmp package/dist/htmx.min.js
	cp .vendor-tmp/package/dist/htmx.min.js core/static/vendor/htmx-$(HTMX_VERSION).min.js
	tar -xzf .vendor-tmp/htmx-ext-ws-$(HTMX_WS_VERSION).tgz -C .vendor-tmp package/dist/ws.min.js
	cp .vendor-tmp/package/dist/ws.min.js core/static/vendor/htmx-ext-ws-$(HTMX_WS_VERSION).min.js
	rm -rf .vendor-tmp

clean:
	rm -rf .venv .uv data
