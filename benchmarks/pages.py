"""Benchmark of every console and portal page on a demo town: the time each takes the server to answer.

Run it in the directory of a demo town's database (or with GRIDPAY_DATABASE_URL), e.g. the 30,000-household town:

    mkdir town && cd town && gridpay demo --households 30000
    python ../benchmarks/pages.py [--repeat 5]

Each page of tests/support/pages.py (the list the phone-width test renders, so every page of the URLconf) is asked
for --repeat times through Django's whole request stack in this process (middleware, sessions, templates, the
queries), signed in as the demo member of staff its sample names or as the portal household. Prints, per page, the
median and the slowest answer, and the ceiling of the stack: the same for the sign-in page, which reads nothing.
Pages whose sample needs what the town lacks (a temporary supply, a counter receipt) are listed as skipped.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="answers timed per page (the first warms it)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from tests.support.pages import SAMPLES, Download, PostOnly

    from gridpay.data.models import Account, ArrearsCase, CounterReceipt, Village
    from gridpay.demo.sign_ins import portal_household
    from gridpay.interfaces import clock
    from gridpay.interfaces.web.views.portal import SESSION_PHONE

    today = clock.today()
    household = portal_household()
    prepaid = Account.objects.filter(mode="prepaid", time_of_use=False).order_by("account_no").first()
    if household is None or prepaid is None:
        sys.exit("no demo town here: run `gridpay demo` in this directory first")
    time_of_use = Account.objects.filter(mode="prepaid", time_of_use=True).order_by("account_no").first()
    case = ArrearsCase.objects.order_by("-id").select_related("account").first()
    receipt = CounterReceipt.objects.order_by("-id").first()
    temporary = Account.objects.filter(temporary_supply__isnull=False).order_by("account_no").first()
    values = {
        "portal": household.account_no, "prepaid": prepaid.account_no,
        "time_of_use": time_of_use.account_no if time_of_use else None,
        "case": case.account.account_no if case else None, "receipt": receipt.receipt_no if receipt else None,
        "temporary": temporary.account_no if temporary else None, "green": prepaid.account_no,
        "village": str(Village.objects.order_by("id").values_list("id", flat=True).first()),
        "month_ago": (today - timedelta(days=30)).isoformat(), "yesterday": (today - timedelta(days=1)).isoformat(),
    }
    accounts = Account.objects.count()
    print(f"{accounts} accounts; {args.repeat} answers per page, the first of each not counted")

    clients: dict[str, Client] = {}

    def client_of(who: str) -> Client:
        if who not in clients:
            client = Client()
            if who == "portal":
                session = client.session
                session[SESSION_PHONE] = household.customer.phone
                session.save()
            elif who:
                client.force_login(get_user_model().objects.get(username=who))
            clients[who] = client
        return clients[who]

    def timed(who: str, path: str) -> tuple[int, list[float]]:
        client, times, status = client_of(who), [], 0
        for _ in range(args.repeat + 1):
            started = time.perf_counter()
            status = client.get(path).status_code
            times.append(time.perf_counter() - started)
        return status, times[1:]

    _, floor = timed("", "/login/")
    print(f"ceiling of the stack (the sign-in page, no query): median {statistics.median(floor) * 1000:.1f} ms")
    print(f"{'page':<32} {'median':>9} {'slowest':>9}  status  url")
    slowest = []
    for name, sample in SAMPLES.items():
        if isinstance(sample, PostOnly):
            continue
        try:
            path = sample.path.format(**values)
        except KeyError:
            continue
        if "None" in path:
            print(f"{name:<32} {'skipped: the town has none':>20}")
            continue
        status, times = timed(sample.who, path)
        kind = " (file)" if isinstance(sample, Download) else ""
        median = statistics.median(times)
        slowest.append((median, name))
        print(f"{name:<32} {median * 1000:7.1f} ms {max(times) * 1000:7.1f} ms  {status}     {path}{kind}")
    median, name = max(slowest)
    print(f"slowest page: {name} {median:.2f} s (median)")


if __name__ == "__main__":
    main()
