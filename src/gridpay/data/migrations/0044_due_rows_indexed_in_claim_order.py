"""The due daily reads and meter commands indexed in the order their claims take them (next_attempt_at, then id), so a
claim reads a wave off the index and stops instead of sorting every due row (ADR 0038)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gridpay', '0043_api_tokens_for_staff_and_sign_in_attempts'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='dailyread',
            name='daily_read_due',
        ),
        migrations.RemoveIndex(
            model_name='metercommand',
            name='meter_command_due',
        ),
        migrations.AddIndex(
            model_name='dailyread',
            index=models.Index(fields=['status', 'next_attempt_at', 'id'], name='daily_read_due'),
        ),
        migrations.AddIndex(
            model_name='metercommand',
            index=models.Index(condition=models.Q(('status', 'queued')), fields=['next_attempt_at', 'id'], name='meter_command_due'),
        ),
    ]
