"""A meter's relay state can be unknown: a relay command whose outcome is unknown marks it until a read-back."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gridpay", "0040_history_partitioned_by_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="meter",
            name="relay_unknown_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="继电器状态待核实"),
        ),
    ]
