"""Issue 20: a meter's relay state can be unknown (a relay command whose outcome is unknown marks it until a
read-back), the business days whose alerts were evaluated are marked, and failed staff sign-ins are kept to throttle
them."""

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
        migrations.CreateModel(
            name="AlertDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="业务日")),
                ("evaluated_at", models.DateTimeField(verbose_name="提醒评估时间")),
            ],
            options={
                "verbose_name": "已评估提醒的业务日",
            },
        ),
        migrations.CreateModel(
            name="StaffSignInFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(max_length=150)),
                ("address", models.CharField(max_length=45)),
                ("at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "工作台登录失败",
                "indexes": [
                    models.Index(fields=["username", "at"], name="staff_sign_in_failure_login"),
                    models.Index(fields=["address", "at"], name="staff_sign_in_failure_from"),
                ],
            },
        ),
    ]
