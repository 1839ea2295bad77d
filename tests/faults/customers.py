"""WhatsApp's side of the conversation: customers writing, delivered as Meta delivers webhooks.

Each customer is a thread that writes its messages in order, on a schedule: message k of customer
i is due at `start + i * stagger + k * gap`, and never before message k-1 was accepted (a person
reads the bot's answer before answering it). Every message is a signed Cloud API webhook, posted
to the desk's web processes in turn as a load balancer would; one that does not get a 200
(connection error, timeout, 5xx) is posted again, the same body with the same message id, until it
gets one or the deadline passes.

For each message id the burst records when it was first posted and when it got its 200.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

POST_TIMEOUT = 10.0  # seconds Meta waits for an answer before it counts the delivery as failed
RETRY_PAUSES = (0.2, 0.4, 0.8, 1.0)  # then 1 s between tries


@dataclass
class Delivery:
    message_id: str
    phone: str
    text: str
    first_posted_at: float | None = None  # time.monotonic()
    accepted_at: float | None = None  # the first 200
    attempts: int = 0
    answers: Counter = field(default_factory=Counter)  # non-200 outcomes: "503", "ReadTimeout"


def webhook_body(*, phone_number_id: str, message_id: str, phone: str, name: str, text: str):
    """A Cloud API text-message webhook as Meta posts it (the shape of bench/ingest.py's)."""
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550001111",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": phone}],
                            "messages": [
                                {
                                    "from": phone,
                                    "id": message_id,
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


def conversation_texts(number: int) -> list[str]:
    """What customer `number` writes: the demo flow greets and asks for the DNI, then offers its
    menu, where 3 (Horarios) answers and ends the bot's turn: five bot replies per customer."""
    return ["Hola, necesito ayuda", f"3012{number:04d}", "3"]


class Burst:
    def __init__(
        self,
        *,
        base_urls: list[str],
        phone_number_id: str,
        app_secret: str,
        customers: int = 25,
        stagger: float = 0.1,
        gap: float = 3.0,
        give_up_after: float = 90.0,
    ):
        self.base_urls = base_urls
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.customers = customers
        self.stagger = stagger
        self.gap = gap
        self.give_up_after = give_up_after  # seconds after the last message was due
        self.token = hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:8]
        self.deliveries: dict[str, Delivery] = {}
        self._by_customer: list[list[Delivery]] = []
        for number in range(customers):
            phone = f"54935155{number:05d}"
            plan = []
            for index, text in enumerate(conversation_texts(number)):
                message_id = f"wamid.CUSTOMER{self.token}.{number:03d}.{index}"
                delivery = Delivery(message_id, phone, text)
                self.deliveries[message_id] = delivery
                plan.append(delivery)
            self._by_customer.append(plan)
        self.started_at: float | None = None
        self._turn = itertools.count()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._http = httpx.Client(
            timeout=POST_TIMEOUT, limits=httpx.Limits(max_connections=customers)
        )

    @property
    def last_due_at(self) -> float:
        """When the last message is due on the schedule (relative to the start)."""
        longest = max(len(plan) for plan in self._by_customer)
        return (self.customers - 1) * self.stagger + (longest - 1) * self.gap

    @property
    def deadline(self) -> float:
        assert self.started_at is not None
        return self.started_at + self.last_due_at + self.give_up_after

    def start(self) -> "Burst":
        self.started_at = time.monotonic()
        for number, plan in enumerate(self._by_customer):
            thread = threading.Thread(
                target=self._customer, args=(number, plan), name=f"customer-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def sleep_until(self, seconds_after_start: float) -> None:
        assert self.started_at is not None
        time.sleep(max(0.0, self.started_at + seconds_after_start - time.monotonic()))

    def done(self) -> bool:
        """Every message accepted, or the customers gave up (deadline)."""
        return all(not thread.is_alive() for thread in self._threads)

    def join(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, end - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        self.join(timeout=POST_TIMEOUT + 5)
        self._http.close()

    # -- one customer ------------------------------------------------------------------------

    def _customer(self, number: int, plan: list[Delivery]) -> None:
        for index, delivery in enumerate(plan):
            due = self.started_at + number * self.stagger + index * self.gap
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            if not self._deliver(delivery, number):
                return  # gave up: later messages would only pile up behind it

    def _deliver(self, delivery: Delivery, number: int) -> bool:
        raw = webhook_body(
            phone_number_id=self.phone_number_id,
            message_id=delivery.message_id,
            phone=delivery.phone,
            name=f"Cliente {number}",
            text=delivery.text,
        )
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256="
            + hmac.new(self.app_secret.encode(), raw, hashlib.sha256).hexdigest(),
        }
        pauses = iter(RETRY_PAUSES)
        while not self._stop.is_set() and time.monotonic() < self.deadline:
            url = self.base_urls[next(self._turn) % len(self.base_urls)]
            delivery.attempts += 1
            if delivery.first_posted_at is None:
                delivery.first_posted_at = time.monotonic()
            try:
                answer = self._http.post(
                    f"{url}/webhooks/whatsapp/cloud", content=raw, headers=headers
                )
                if answer.status_code == 200:
                    delivery.accepted_at = time.monotonic()
                    return True
                delivery.answers[str(answer.status_code)] += 1
            except httpx.HTTPError as error:
                delivery.answers[type(error).__name__] += 1
            self._stop.wait(next(pauses, 1.0))
        return False
