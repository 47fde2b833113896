"""Each daily read carries its meter's share key, and the due reads are indexed by it first, so that a gateway's claim
reads its own reads off the index; the silent days are indexed for the next round (ADR 0041)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Right


def fill_share_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    daily_read = apps.get_model("gridpay", "DailyRead")
    meter = apps.get_model("gridpay", "Meter")
    key = meter.objects.filter(pk=OuterRef("meter_id")).annotate(key=Right("dlt645_address", 3)).values("key")[:1]
    daily_read.objects.update(share_key=Subquery(key))


class Migration(migrations.Migration):

    dependencies = [
        ('gridpay', '0045_removed_meters_indexed_by_account'),
    ]

    operations = [
        migrations.AddField(
            model_name='dailyread',
            name='share_key',
            field=models.CharField(default='', max_length=3, verbose_name='分担键'),
            preserve_default=False,
        ),
        migrations.RunPython(fill_share_keys, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name='dailyread',
            name='daily_read_due',
        ),
        migrations.AddIndex(
            model_name='dailyread',
            index=models.Index(condition=models.Q(('status', 'wanted')), fields=['share_key', 'next_attempt_at', 'id'], name='daily_read_due'),
        ),
        migrations.AddIndex(
            model_name='dailyread',
            index=models.Index(condition=models.Q(('gap_reason', 'silent'), ('status', 'gap')), fields=['reading_date'], name='daily_read_silent'),
        ),
    ]
