# Berth: build, demo and tests. `make demo` and `make test` set up everything they need on a fresh
# Debian machine of this kind (apt packages, NuGet restore) before they run.
SHELL := /bin/bash
OUT := $(CURDIR)/out
BIN := $(OUT)/bin
RUNTIME := $(BIN)/berth-runtime
DOTNET ?= dotnet
export DOTNET
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all build deps native demo test unit-test integration-test peer-test bench clean

all: build

deps:
	@scripts/install-deps.sh

native: $(OUT)/native/nsexec.o

$(OUT)/native/nsexec.o: native/nsexec.c
	@mkdir -p $(OUT)/native
	gcc -O2 -fPIC -Wall -Wextra -Werror -c $< -o $@

build: native
	$(DOTNET) publish programs/berth-runtime/berth-runtime.csproj -c Release -o $(BIN) --nologo -v q
	$(DOTNET) publish programs/berthd/berthd.csproj -c Release -o $(BIN) --nologo -v q
	$(DOTNET) publish programs/berth/berth.csproj -c Release -o $(BIN) --nologo -v q
	@rm -f $(BIN)/*.dbg $(BIN)/*.pdb $(BIN)/*.json

demo: deps build
	@scripts/demo.sh $(RUNTIME)
	@echo
	@scripts/demo-berthd.sh $(BIN)

unit-test:
	scripts/dotnet-test.sh tests/Berth.Oci.Tests
	scripts/dotnet-test.sh tests/Berth.Cgroups.Tests
	scripts/dotnet-test.sh tests/Berth.Runtime.Cli.Tests
	scripts/dotnet-test.sh tests/Berth.Runtime.Tests
	scripts/dotnet-test.sh tests/Berth.Archive.Tests
	scripts/dotnet-test.sh tests/Berth.Content.Tests
	scripts/dotnet-test.sh tests/Berth.Images.Tests
	scripts/dotnet-test.sh tests/Berth.Snapshots.Tests
	scripts/dotnet-test.sh tests/Berth.Distribution.Tests
	scripts/dotnet-test.sh tests/Berth.Engine.Tests
	scripts/dotnet-test.sh tests/Berth.Cli.Tests

integration-test: build
	BERTH_RUNTIME=$(RUNTIME) scripts/dotnet-test.sh tests/Berth.Integration.Tests
	BERTH_BIN=$(BIN) scripts/dotnet-test.sh tests/Berth.Daemon.Tests

peer-test: build
	tests/peers/podman.sh $(RUNTIME)
	tests/peers/containerd.sh $(RUNTIME)
	tests/peers/dockerd.sh $(BIN)
	tests/peers/berth-cli.sh $(BIN)

test: deps build unit-test integration-test peer-test

bench: deps build
	bench/runtime-run.sh $(RUNTIME)
	bench/runtime-exec.sh $(RUNTIME)
	bench/image-pull.sh $(BIN)

clean:
	rm -rf $(OUT) */*/bin */*/obj
