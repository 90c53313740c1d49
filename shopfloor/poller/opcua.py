"""OPC UA: a subscription to the device's nodes at poll_ms; the server pushes every change.

Right after subscribing, the server sends every node's current value. That first notification is handed
over like any other: `readings_record` takes a tag's first value ever as its baseline, and after a
reconnect or a restart compares it with the last value saved, so it counts exactly what changed while the
poller was away and nothing twice.

Sign and SignAndEncrypt use Basic256Sha256 with the poller's own self-signed certificate, made once in
the spill directory; the PLC must trust it (most servers list it as rejected on the first attempt).
"""

import asyncio
import logging
from contextlib import suppress
from pathlib import Path

from asyncua import Client, Node, ua
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256
from django.utils import timezone

from shopfloor.poller.config import TagConfig
from shopfloor.poller.runner import DeviceRunner, error_text

logger = logging.getLogger(__name__)

APPLICATION_URI = "urn:takt:shopfloor"


class ClientCertificate:
    """The poller's OPC UA client certificate and key, made on first use (once, not by every device)."""

    def __init__(self, directory: Path) -> None:
        self.key = directory / "opcua-client-key.pem"
        self.certificate = directory / "opcua-client-cert.der"
        self.lock = asyncio.Lock()

    async def load(self, client: Client) -> tuple[str, str]:
        async with self.lock:
            certificate, key = await client.setup_self_signed_certificate(self.key, self.certificate)
        return str(certificate), str(key)


class OpcUaRunner(DeviceRunner):
    def __init__(self, *args, certificate: ClientCertificate, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.certificate = certificate
        self.nodes: dict[ua.NodeId, TagConfig] = {}
        for tag in self.config.tags:
            try:
                self.nodes[ua.NodeId.from_string(tag.address)] = tag
            except (ValueError, ua.UaStringParsingError) as error:  # asyncua raises the latter for text it cannot read
                self.problems.append(f"tag {tag.role} node id {tag.address!r}: {error}")
        self.lost: asyncio.Future[str] | None = None

    async def session(self) -> None:
        client = Client(self.config.endpoint_url, timeout=self.timeout, watchdog_intervall=self.timeout)
        client.name = client.description = "Takt shopfloor"
        client.application_uri = APPLICATION_URI  # in the certificate: the PLC trusts it by this name
        self.lost = asyncio.get_running_loop().create_future()

        async def connection_lost(error: Exception) -> None:
            self._lose(error_text(error))

        client.connection_lost_callback = connection_lost
        try:
            if self.config.secure:
                certificate, key = await self.certificate.load(client)
                mode = getattr(ua.MessageSecurityMode, self.config.security_mode)
                await client.set_security(SecurityPolicyBasic256Sha256, certificate, key, mode=mode)
            await client.connect()
            subscription = await client.create_subscription(self.config.poll_ms, self)
            nodes = [client.get_node(node_id) for node_id in self.nodes]
            if nodes:
                results = await subscription.subscribe_data_change(nodes, sampling_interval=self.config.poll_ms)
                self._unsubscribed(nodes, results)
            self.connected()
            raise ConnectionError(f"connection lost: {await self.lost}")
        finally:
            client.connection_lost_callback = None
            with suppress(Exception):
                await asyncio.wait_for(client.disconnect(), self.timeout)

    def datachange_notification(self, node: Node, value: object, data: object) -> None:
        """asyncua calls it with every value the server pushes."""
        tag = self.nodes.get(node.nodeid)
        if tag is None or not isinstance(value, int | float | bool):
            return
        self.read(tag, value, timezone.now())
        self.stats.reads += 1

    def status_change_notification(self, status: ua.StatusChangeNotification) -> None:
        """asyncua calls it when the subscription ends on the server's side (a shutdown, a lost session)."""
        if not status.Status.is_good():
            self._lose(f"subscription status {status.Status.name}")

    def _lose(self, reason: str) -> None:
        if self.lost is not None and not self.lost.done():
            self.lost.set_result(reason)

    def _unsubscribed(self, nodes: list[Node], results: list) -> None:
        for node, result in zip(nodes, results, strict=True):
            if isinstance(result, ua.StatusCode):
                problem = f"node {node.nodeid.to_string()}: {result.name}"
                if problem not in self.problems:
                    self.problems.append(problem)
