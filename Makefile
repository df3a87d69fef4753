# Berth: build, demo and tests. `make demo` and `make test` set up everything they need on a fresh
# Debian machine of this kind (apt packages, NuGet restore) before they run.
SHELL := /bin/bash
OUT := $(CURDIR)/out
BIN := $(OUT)/bin
RUNTIME := $(BIN)/berth-runtime
DOTNET ?= dotnet
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
	$(DOTNET) test tests/Berth.Oci.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Cgroups.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Runtime.Cli.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Runtime.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Archive.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Content.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Images.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Snapshots.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Distribution.Tests --nologo -v q --logger "console;verbosity=normal"
	$(DOTNET) test tests/Berth.Cli.Tests --nologo -v q --logger "console;verbosity=normal"

integration-test: build
	BERTH_RUNTIME=$(RUNTIME) $(DOTNET) test tests/Berth.Integration.Tests --nologo -v q --logger "console;verbosity=normal"
	BERTH_BIN=$(BIN) $(DOTNET) test tests/Berth.Daemon.Tests --nologo -v q --logger "console;verbosity=normal"

peer-test: build
	tests/peers/podman.sh $(RUNTIME)
	tests/peers/containerd.sh $(RUNTIME)
	tests/peers/dockerd.sh $(BIN)
	tests/peers/berth-cli.sh $(BIN)

test: deps build unit-test integration-test peer-test

bench: deps build
	bench/runtime-run.sh $(RUNTIME)
	bench/runtime-exec.sh $(RUNTIME)

clean:
	rm -rf $(OUT) */*/bin */*/obj
