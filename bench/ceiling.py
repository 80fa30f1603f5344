"""The ceiling: a transactional consume-produce passthrough with confluent-kafka and no work.

Same batching as scmflow's stage runner (up to 1000 records or the commit
interval per transaction). Run as ``python -m bench.ceiling`` with the BENCH_*
variables of bench.logic.
"""

import os
import signal
import time

from confluent_kafka import Consumer, KafkaException, Producer


def main() -> None:
    bootstrap = os.environ.get("BENCH_BOOTSTRAP", "127.0.0.1:9092")
    source = os.environ["BENCH_INPUT_TOPIC"]
    target = os.environ["BENCH_OUTPUT_TOPIC"]
    group = os.environ["BENCH_GROUP"]
    interval_s = float(os.environ.get("BENCH_COMMIT_INTERVAL_S", "0.1"))
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
        }
    )
    producer = Producer(
        {"bootstrap.servers": bootstrap, "transactional.id": f"{group}-0", "linger.ms": 5}
    )
    producer.init_transactions(30)
    consumer.subscribe([source])
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    while not stopping:
        deadline = time.monotonic() + interval_s
        batch = []
        while len(batch) < 1000 and time.monotonic() < deadline:
            messages = consumer.consume(1000 - len(batch), max(0.0, deadline - time.monotonic()))
            batch.extend(m for m in messages if m.error() is None)
        if not batch:
            continue
        producer.begin_transaction()
        for message in batch:
            while True:
                try:
                    producer.produce(
                        target, message.value(), message.key(), headers=message.headers()
                    )
                    break
                except BufferError:
                    producer.poll(0.05)
        try:
            producer.send_offsets_to_transaction(
                consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 30
            )
            producer.commit_transaction(30)
        except KafkaException:
            producer.abort_transaction(30)
            raise
    consumer.close()


if __name__ == "__main__":
    main()
