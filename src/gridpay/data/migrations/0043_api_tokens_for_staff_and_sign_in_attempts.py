# Issue 19: a staff API token may act for a member of staff, with their roles (point 3), and records payments on its
# own channels only (point 6); every request for a portal sign-in code is recorded, and counted by the portal's limits
# (point 2).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gridpay', '0042_relay_unknown_and_alert_days'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='channels',
            field=models.CharField(blank=True, max_length=100, verbose_name='可记录的交费渠道'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='staff',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='工作人员'),
        ),
        migrations.CreateModel(
            name='SignInAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('client_address', models.CharField(max_length=64, verbose_name='网络地址')),
                ('account_no', models.CharField(max_length=20, verbose_name='输入的户号')),
                ('outcome', models.CharField(max_length=10, verbose_name='结果')),
                ('limit', models.CharField(blank=True, max_length=10, verbose_name='触发的限制')),
            ],
            options={
                'verbose_name': '验证码请求',
                'indexes': [models.Index(fields=['client_address', 'at'], name='sign_in_attempt_address'), models.Index(fields=['outcome', 'at'], name='sign_in_attempt_outcome')],
            },
        ),
    ]
