"""Real PLCs for the poller's tests: pymodbus and asyncua servers on free loopback ports, and a PLC that
accepts connections but never answers. They run on an event loop in a background thread; the test sets
their values, stops and restarts them and drops their connections from its own thread."""

import asyncio
import socket
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from asyncua import Server, ua
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from cryptography.x509.oid import ExtendedKeyUsageOID
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from shopfloor.poller.decoding import registers_encode

HOLDING_REGISTERS = 64


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerLoop:
    """An asyncio loop in a daemon thread; `call` runs a coroutine on it and returns its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="plc servers", daemon=True)
        self.thread.start()

    def call(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class ModbusPlc:
    """A Modbus TCP server for one unit id; `set` puts a value into its holding registers as the PLC would.
    Its registers outlive a stop, as a PLC's memory outlives a network outage."""

    def __init__(self, servers: ServerLoop, *, unit_id: int = 1) -> None:
        self.servers = servers
        self.unit_id = unit_id
        self.port = free_port()
        self.registers = [0] * HOLDING_REGISTERS
        self.server: ModbusTcpServer | None = None

    def set(self, register: int, value: int | float, data_type: str = "uint16", word_order: str = "big") -> None:
        words = registers_encode(value, data_type, word_order)
        self.registers[register : register + len(words)] = words  # one slice assignment: never half a value

    def start(self) -> "ModbusPlc":
        self.servers.call(self._start())
        return self

    def stop(self) -> None:
        self.servers.call(self.server.shutdown())

    def drop_connections(self) -> None:
        """Cut every client's connection, as a switch or a PLC's watchdog would, and keep listening."""

        async def drop():
            for connection in list(self.server.active_connections.values()):
                connection.transport.abort()

        self.servers.call(drop())

    async def _start(self) -> None:
        device = SimDevice(
            id=self.unit_id,
            simdata=SimData(0, count=HOLDING_REGISTERS, values=0, datatype=DataType.REGISTERS),
            action=self._serve,
        )
        self.server = ModbusTcpServer(device, address=("127.0.0.1", self.port))
        await self.server.serve_forever(background=True)

    async def _serve(self, function_code, start_address, address, count, registers, set_values):
        """Called by pymodbus on every request: the datastore then answers with the registers set."""
        registers[: len(self.registers)] = self.registers


class OpcUaPlc:
    """An OPC UA server with one variable per name (string node ids, see `node_id`). With a
    certificate directory it also offers Basic256Sha256 Sign and SignAndEncrypt, with a self-signed server
    certificate made there, and takes any client certificate."""

    application_uri = "urn:takt:tests:plc"

    def __init__(
        self, servers: ServerLoop, variables: dict[str, ua.VariantType], certificate_dir: Path | None = None
    ) -> None:
        self.servers = servers
        self.port = free_port()
        self.path = "/takt/"
        self.types = variables
        self.nodes: dict[str, Any] = {}
        self.namespace = 0
        self.server = Server()
        self.servers.call(self._init(certificate_dir))

    def node_id(self, name: str) -> str:
        return f"ns={self.namespace};s={name}"

    def set(self, name: str, value: int | float) -> None:
        self.servers.call(self.nodes[name].write_value(ua.Variant(value, self.types[name])))

    def start(self) -> "OpcUaPlc":
        self.servers.call(self.server.start())
        return self

    def stop(self) -> None:
        self.servers.call(self.server.stop())

    def drop_connections(self) -> None:
        async def drop():
            for transport in list(self.server.iserver.asyncio_transports):
                transport.abort()

        self.servers.call(drop())

    async def _init(self, certificate_dir: Path | None) -> None:
        await self.server.init()
        self.server.set_endpoint(f"opc.tcp://127.0.0.1:{self.port}{self.path}")
        if certificate_dir is not None:
            key, certificate = certificate_dir / "plc-key.pem", certificate_dir / "plc-cert.der"
            uses = [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            await setup_self_signed_certificate(key, certificate, self.application_uri, socket.gethostname(), uses, {})
            await self.server.set_application_uri(self.application_uri)
            await self.server.load_certificate(str(certificate))
            await self.server.load_private_key(str(key))
            self.server.set_security_policy(
                [
                    ua.SecurityPolicyType.NoSecurity,
                    ua.SecurityPolicyType.Basic256Sha256_Sign,
                    ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
                ]
            )
        self.namespace = await self.server.register_namespace("urn:takt:tests:machine")
        for name, variant_type in self.types.items():
            self.nodes[name] = await self.server.nodes.objects.add_variable(
                ua.NodeId(name, self.namespace), name, ua.Variant(0, variant_type)
            )


class SilentPlc:
    """Accepts connections and never answers: a PLC that hangs, or a firewall that swallows replies."""

    def __init__(self, servers: ServerLoop) -> None:
        self.servers = servers
        self.port = free_port()
        self.writers: list[asyncio.StreamWriter] = []
        self.server = servers.call(asyncio.start_server(self._hold, "127.0.0.1", self.port))

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        while await reader.read(1024):
            pass

    def stop(self) -> None:
        async def close():
            self.server.close()
            for writer in self.writers:
                writer.close()

        self.servers.call(close())


class DatabaseProxy:
    """A TCP proxy in front of the database (reached over TCP, or over the Unix socket of the embedded
    server): `cut` makes an outage (open connections reset, new ones
    refused), `restore` ends it."""

    def __init__(self, servers: ServerLoop, host: str, port: int) -> None:
        self.servers = servers
        self.target = (host, port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.restore()

    def restore(self) -> None:
        self.server = self.servers.call(asyncio.start_server(self._connect, "127.0.0.1", self.port))

    def cut(self) -> None:
        async def cut():
            self.server.close()
            for writer in list(self.writers):
                writer.transport.abort()
            self.writers.clear()

        self.servers.call(cut())

    close = cut

    async def _connect(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        host, port = self.target
        try:
            if host.startswith("/"):  # the embedded PostgreSQL listens on a Unix socket in that folder
                server_reader, server_writer = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
            else:
                server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.transport.abort()
            return
        self.writers |= {client_writer, server_writer}
        await asyncio.gather(
            self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer), return_exceptions=True
        )
        self.writers -= {client_writer, server_writer}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
