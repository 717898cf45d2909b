"""Person.sort_key is derived by contest.collation, whose digit codes were fixed (the digit 9
took three characters and sorted names with digits wrongly): recompute every stored key."""

from django.db import migrations


def recompute(apps, schema_editor):
    from contest.collation import person_sort_key

    Person = apps.get_model("contest", "Person")
    changed = []
    for person in Person.objects.only("given_name", "family_name", "middle_name", "sort_key"):
        key = person_sort_key(person.given_name, person.family_name, person.middle_name)
        if key != person.sort_key:
            person.sort_key = key
            changed.append(person)
    Person.objects.bulk_update(changed, ["sort_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("contest", "0002_units_over_years_eligibility_attachments")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
