"""Postpaid bills, what paid them, their late fees and waivers; customer categories, reading days, receivables.

The new kinds of transfer change the database's check of kinds: SQLite rebuilds the transfer table for it and
loses its immutability triggers, so the guards of 0026 are lifted around the operations and put back after.
"""

import importlib

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models

guards = importlib.import_module("gridpay.data.migrations.0026_transfer_balances_after")


class Migration(migrations.Migration):

    dependencies = [
        ('gridpay', '0026_transfer_balances_after'),
    ]

    operations = [
        migrations.RunPython(guards.lift_guards, guards.restore_guards),
        migrations.CreateModel(
            name='AreaReadingDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('transformer_area', models.CharField(max_length=50, unique=True, verbose_name='台区')),
                ('reading_day', models.PositiveSmallIntegerField(verbose_name='抄表例日')),
            ],
            options={
                'verbose_name': '台区抄表例日',
            },
        ),
        migrations.CreateModel(
            name='BillPayment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('business_day', models.DateField()),
                ('at', models.DateTimeField()),
                ('principal_fen', models.BigIntegerField()),
                ('late_fee_fen', models.BigIntegerField()),
            ],
            options={
                'verbose_name': '电费冲抵',
            },
        ),
        migrations.CreateModel(
            name='LateFeeCharge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('through', models.DateField(verbose_name='计至')),
                ('amount_fen', models.BigIntegerField()),
            ],
            options={
                'verbose_name': '违约金计收',
            },
        ),
        migrations.CreateModel(
            name='LateFeeWaiver',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_fen', models.BigIntegerField()),
                ('reason', models.CharField(max_length=200, verbose_name='减免原因')),
                ('by', models.CharField(max_length=100, verbose_name='审批人')),
                ('at', models.DateTimeField()),
                ('business_day', models.DateField()),
            ],
            options={
                'verbose_name': '违约金减免',
            },
        ),
        migrations.CreateModel(
            name='PostpaidBill',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bill_no', models.CharField(max_length=40, unique=True, verbose_name='电费单号')),
                ('month', models.DateField(verbose_name='电费月份')),
                ('period_from', models.DateField(verbose_name='起始日')),
                ('reading_date', models.DateField(verbose_name='抄表日')),
                ('energy_kwh', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='电量')),
                ('tou_kwh', models.JSONField(default=dict, verbose_name='分时电量')),
                ('tariff_code', models.CharField(max_length=40, verbose_name='电价')),
                ('lines', models.JSONField(default=list, verbose_name='计费明细')),
                ('amount_fen', models.BigIntegerField(verbose_name='电费（分）')),
                ('issued_on', models.DateField(verbose_name='发行日期')),
                ('issued_at', models.DateTimeField()),
                ('due_on', models.DateField(verbose_name='交费期限')),
                ('principal_paid_fen', models.BigIntegerField(default=0, verbose_name='已交电费（分）')),
                ('late_fee_fen', models.BigIntegerField(default=0, verbose_name='违约金（分）')),
                ('late_fee_through', models.DateField(blank=True, null=True, verbose_name='违约金计至')),
                ('late_fee_paid_fen', models.BigIntegerField(default=0, verbose_name='已交违约金（分）')),
                ('late_fee_waived_fen', models.BigIntegerField(default=0, verbose_name='减免违约金（分）')),
                ('paid_off_on', models.DateField(blank=True, null=True, verbose_name='结清日期')),
            ],
            options={
                'verbose_name': '后付费电费单',
            },
        ),
        migrations.RemoveConstraint(
            model_name='transfer',
            name='transfer_kind_known',
        ),
        migrations.AddField(
            model_name='account',
            name='category',
            field=models.CharField(choices=[('residential', '居民'), ('other', '非居民')], db_default='residential', default='residential', max_length=12, verbose_name='用户类别'),
        ),
        migrations.AddField(
            model_name='account',
            name='important',
            field=models.BooleanField(db_default=False, default=False, verbose_name='重要用户'),
        ),
        migrations.AddField(
            model_name='account',
            name='receivable_account',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='receivable_of', to='gridpay.ledgeraccount'),
        ),
        migrations.AddField(
            model_name='village',
            name='reading_day',
            field=models.PositiveSmallIntegerField(db_default=25, default=25, verbose_name='抄表例日'),
        ),
        migrations.AlterField(
            model_name='ledgeraccount',
            name='kind',
            field=models.CharField(choices=[('customer', 'customer'), ('revenue', 'revenue'), ('clearing', 'clearing'), ('opening', 'opening'), ('receivable', 'receivable')], max_length=16),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='kind',
            field=models.CharField(choices=[('settlement', 'settlement'), ('payment', 'payment'), ('bill_adjustment', 'bill_adjustment'), ('opening_balance', 'opening_balance'), ('refund', 'refund'), ('refund_closed', 'refund_closed'), ('postpaid_bill', 'postpaid_bill'), ('late_fee', 'late_fee'), ('late_fee_waiver', 'late_fee_waiver'), ('bill_payment', 'bill_payment')], max_length=24),
        ),
        migrations.AddConstraint(
            model_name='transfer',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['settlement', 'payment', 'bill_adjustment', 'opening_balance', 'refund', 'refund_closed', 'postpaid_bill', 'late_fee', 'late_fee_waiver', 'bill_payment'])), name='transfer_kind_known'),
        ),
        migrations.AddConstraint(
            model_name='village',
            constraint=models.CheckConstraint(condition=models.Q(('reading_day__gte', 1), ('reading_day__lte', 28)), name='village_reading_day_in_month'),
        ),
        migrations.AddConstraint(
            model_name='areareadingday',
            constraint=models.CheckConstraint(condition=models.Q(('reading_day__gte', 1), ('reading_day__lte', 28)), name='area_reading_day_in_month'),
        ),
        migrations.AddField(
            model_name='billpayment',
            name='payment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bill_payments', to='gridpay.payment'),
        ),
        migrations.AddField(
            model_name='billpayment',
            name='transfer',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='gridpay.transfer'),
        ),
        migrations.AddField(
            model_name='latefeecharge',
            name='transfer',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='gridpay.transfer'),
        ),
        migrations.AddField(
            model_name='latefeewaiver',
            name='transfer',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='gridpay.transfer'),
        ),
        migrations.AddField(
            model_name='postpaidbill',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='postpaid_bills', to='gridpay.account'),
        ),
        migrations.AddField(
            model_name='postpaidbill',
            name='posting',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='gridpay.transfer'),
        ),
        migrations.AddField(
            model_name='latefeewaiver',
            name='bill',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='late_fee_waivers', to='gridpay.postpaidbill'),
        ),
        migrations.AddField(
            model_name='latefeecharge',
            name='bill',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='late_fee_charges', to='gridpay.postpaidbill'),
        ),
        migrations.AddField(
            model_name='billpayment',
            name='bill',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='gridpay.postpaidbill'),
        ),
        migrations.AddIndex(
            model_name='postpaidbill',
            index=models.Index(fields=['account', 'reading_date'], name='postpaid_bill_account'),
        ),
        migrations.AddIndex(
            model_name='postpaidbill',
            index=models.Index(condition=models.Q(('paid_off_on__isnull', True)), fields=['due_on'], name='postpaid_bill_open'),
        ),
        migrations.AddIndex(
            model_name='postpaidbill',
            index=models.Index(fields=['issued_on'], name='postpaid_bill_issued'),
        ),
        migrations.AddConstraint(
            model_name='postpaidbill',
            constraint=models.UniqueConstraint(fields=('account', 'month'), name='postpaid_bill_one_a_month'),
        ),
        migrations.AddConstraint(
            model_name='postpaidbill',
            constraint=models.CheckConstraint(condition=models.Q(('amount_fen__gte', 0)), name='postpaid_bill_amount_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='postpaidbill',
            constraint=models.CheckConstraint(condition=models.Q(('principal_paid_fen__gte', 0), ('principal_paid_fen__lte', models.F('amount_fen'))), name='postpaid_bill_principal_paid_within'),
        ),
        migrations.AddConstraint(
            model_name='postpaidbill',
            constraint=models.CheckConstraint(condition=models.Q(('late_fee_paid_fen__gte', 0), ('late_fee_waived_fen__gte', 0), ('late_fee_fen__gte', django.db.models.expressions.CombinedExpression(models.F('late_fee_paid_fen'), '+', models.F('late_fee_waived_fen')))), name='postpaid_bill_late_fee_within'),
        ),
        migrations.AddConstraint(
            model_name='postpaidbill',
            constraint=models.CheckConstraint(condition=models.Q(('due_on__gt', models.F('issued_on'))), name='postpaid_bill_due_after_issue'),
        ),
        migrations.AddConstraint(
            model_name='latefeewaiver',
            constraint=models.CheckConstraint(condition=models.Q(('amount_fen__gt', 0)), name='late_fee_waiver_positive'),
        ),
        migrations.AddConstraint(
            model_name='latefeewaiver',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='late_fee_waiver_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='latefeecharge',
            constraint=models.UniqueConstraint(fields=('bill', 'through'), name='late_fee_charge_once_a_day'),
        ),
        migrations.AddConstraint(
            model_name='latefeecharge',
            constraint=models.CheckConstraint(condition=models.Q(('amount_fen__gt', 0)), name='late_fee_charge_positive'),
        ),
        migrations.AddConstraint(
            model_name='billpayment',
            constraint=models.CheckConstraint(condition=models.Q(('late_fee_fen__gte', 0), ('principal_fen__gte', 0), models.Q(('principal_fen__gt', 0), ('late_fee_fen__gt', 0), _connector='OR')), name='bill_payment_positive'),
        ),
        migrations.RunPython(guards.restore_guards, guards.lift_guards),
    ]
