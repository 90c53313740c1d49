"""devices.csv and tags.csv of docs/import.md: devices on the machines of work_centers.csv with their tags,
bad rows named by file, line and column (exit status 2), re-import by code, and the lossless round trip."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import Machine, WorkCenter
from core.services.dataio import ImportFileError, export_folder, import_folder
from shopfloor.choices import TagRole
from shopfloor.models import Device, Tag, TagCounter
from tests.dataio import PLANT, table_counts, write_folder
from tests.shopfloor.devices import counted

pytestmark = pytest.mark.django_db

DEVICES_HEADER = "code,protocol,host,port,machine,unit_id,poll_ms,endpoint_path\n"
TAGS_HEADER = "device,role,address,data_type,word_order,state_map\n"
FILES = {
    "work_centers.csv": PLANT["work_centers.csv"],  # PRESS-1, PRESS-2 and ASSY-1
    "devices.csv": """
        code,protocol,host,port,machine,unit_id,poll_ms,endpoint_path
        PLC-P1,modbus,10.0.4.21,502,PRESS-1,3,500,
        PLC-P2,modbus,10.0.4.22,502,PRESS-2,,,
        UA-ASSY,opcua,10.0.5.10,4840,ASSY-1,,250,/line/
    """,
    "tags.csv": """
        device,role,address,data_type,word_order,state_map
        PLC-P1,good_count,0,uint32,little,
        PLC-P1,reject_count,2,,,
        PLC-P1,state,4,,,6:running;2:stopped;11:held
        PLC-P2,good_count,100,int16,,
        UA-ASSY,good_count,ns=2;s=Line1.Good,uint32,,
        UA-ASSY,state,ns=2;i=1001,,,packml
        UA-ASSY,alarm,ns=2;s=Line1.Alarm,float32,,
    """,
}


def import_files(folder: Path, files: dict[str, str]) -> dict:
    return import_folder(write_folder(folder, files))


def import_error(folder: Path, files: dict[str, str]) -> str:
    before = table_counts()
    with pytest.raises(ImportFileError) as failure:
        import_files(folder, files)
    assert table_counts() == before  # one transaction: nothing written
    return str(failure.value)


def test_devices_and_tags_load_onto_the_machines(tmp_path):
    counts = import_files(tmp_path / "plant", FILES)

    assert counts["devices.csv"] == {"rows": 3, "created": 3, "updated": 0}
    assert counts["tags.csv"] == {"rows": 7, "created": 7, "updated": 0}
    p1 = Device.objects.get(code="PLC-P1")
    assert (p1.machine.code, p1.protocol, p1.host, p1.port, p1.unit_id, p1.poll_ms) == (
        "PRESS-1",
        "modbus",
        "10.0.4.21",
        502,
        3,
        500,
    )
    p2 = Device.objects.get(code="PLC-P2")
    assert (p2.unit_id, p2.poll_ms, p2.endpoint_path) == (1, 1000, "")  # empty cells: the defaults
    ua = Device.objects.get(code="UA-ASSY")
    assert ua.endpoint_url == "opc.tcp://10.0.5.10:4840/line/"
    good = p1.tags.get(role=TagRole.GOOD_COUNT)
    assert (good.address, good.data_type, good.word_order, good.scale) == ("0", "uint32", "little", Decimal(1))
    assert p1.tags.get(role=TagRole.REJECT_COUNT).data_type == "uint16"
    assert p1.tags.get(role=TagRole.STATE).state_map == "6:running;2:stopped;11:held"
    assert ua.tags.get(role=TagRole.ALARM).data_type == "float32"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {
                "devices.csv": DEVICES_HEADER
                + "PLC-1,modbus,10.0.0.5,502,PRESS-1,,,\nPLC-2,modbus,10.0.0.6,502,PRESS-9,,,\n"
            },
            "devices.csv, line 3, column machine: unknown machine 'PRESS-9'",
            id="unknown machine",
        ),
        pytest.param(
            {"devices.csv": DEVICES_HEADER + "PLC-1,profinet,10.0.0.5,502,PRESS-1,,,\n"},
            "devices.csv, line 2, column protocol: 'profinet' is not one of modbus, opcua",
            id="unknown protocol",
        ),
        pytest.param(
            {"devices.csv": DEVICES_HEADER + "PLC-1,modbus,10.0.0.5,70000,PRESS-1,,,\n"},
            "devices.csv, line 2, column port: Ensure this value is less than or equal to 65535.",
            id="port out of range",
        ),
        pytest.param(
            {"devices.csv": DEVICES_HEADER + "PLC-1,modbus,10.0.0.5,502,PRESS-1,,50,\n"},
            "devices.csv, line 2, column poll_ms: Ensure this value is greater than or equal to 100.",
            id="polling too fast",
        ),
        pytest.param(
            {"devices.csv": DEVICES_HEADER + "PLC-1,modbus,10.0.0.5,502,PRESS-1,,,/server/\n"},
            "devices.csv, line 2, column endpoint_path: Only OPC UA has an endpoint path; leave it empty for "
            "Modbus TCP.",
            id="modbus endpoint path",
        ),
        pytest.param(
            {"devices.csv": DEVICES_HEADER + "PLC-1,modbus,opc.tcp://10.0.0.5,502,PRESS-1,,,\n"},
            "devices.csv, line 2, column host: A host name or IP address, without a scheme, port or path "
            "(e.g. 10.0.4.21).",
            id="host with a scheme",
        ),
        pytest.param(
            {
                "devices.csv": DEVICES_HEADER
                + "PLC-1,modbus,10.0.0.5,502,PRESS-1,,,\nPLC-1,modbus,10.0.0.6,502,PRESS-2,,,\n"
            },
            "devices.csv, line 3, column code: device 'PLC-1' appears twice in this file (first on line 2)",
            id="duplicate device",
        ),
        pytest.param(
            {"devices.csv": "code,protocol,host,machine\nPLC-1,modbus,10.0.0.5,PRESS-1\n"},
            "devices.csv, line 1, column port: this required column is missing from the header",
            id="missing column",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-X,good_count,0,,,\n"},
            "tags.csv, line 2, column device: unknown device 'PLC-X'",
            id="unknown device",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,0,,,\nPLC-P1,speed,1,,,\n"},
            "tags.csv, line 3, column role: 'speed' is not one of good_count, reject_count, state, alarm",
            id="unknown role",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,40001x,,,\n"},
            "tags.csv, line 2, column address: A Modbus address is a holding register number from 0 to 65535 "
            "(register 40001 is 0).",
            id="not a register",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,65535,int32,,\n"},
            "tags.csv, line 2, column address: A value of type int32 takes 2 registers: it starts at register 65534 at "
            "the latest.",
            id="register out of range for the type",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "UA-ASSY,good_count,Line1.Good,,,\n"},
            "tags.csv, line 2, column address: An OPC UA address is a node id, e.g. ns=2;s=Line1.Good or ns=3;i=1001.",
            id="not a node id",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,0,uint64,,\n"},
            "tags.csv, line 2, column data_type: 'uint64' is not one of uint16, uint32, int16, int32, float32",
            id="unknown data type",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,state,4,,,6:running;7:flying\n"},
            "tags.csv, line 2, column state_map: '7:flying' is not code:state (states: running, idle, setup, "
            "down, held, stopped, stop, aborted)",
            id="bad state map",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,state,4,,,\n"},
            "tags.csv, line 2, column state_map: A machine state tag needs a state map: code:state pairs "
            "(6:running;2:idle) or packml.",
            id="state without a map",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,0,,,\nPLC-P1,good_count,8,,,\n"},
            "tags.csv, line 3, column role: the good_count tag of PLC-P1 appears twice in this file (first on line 2)",
            id="two tags of one role",
        ),
        pytest.param(
            {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,,,,\n"},
            "tags.csv, line 2, column address: a value is required",
            id="missing address",
        ),
    ],
)
def test_each_bad_row_is_named_by_file_line_and_column(tmp_path, files, message):
    import_files(tmp_path / "plant", FILES)
    assert import_error(tmp_path / "bad", files) == message


def test_the_command_exits_2_on_a_bad_row(tmp_path, capsys):
    call_command("import_data", str(write_folder(tmp_path / "plant", FILES)))
    assert "tags.csv: rows 7, created 7, updated 0" in capsys.readouterr().out
    bad = write_folder(tmp_path / "bad", {"tags.csv": TAGS_HEADER + "PLC-P1,good_count,x,,,\n"})
    with pytest.raises(CommandError) as failure:
        call_command("import_data", str(bad))
    assert failure.value.returncode == 2
    assert str(failure.value).startswith("tags.csv, line 2, column address: A Modbus address is")


def test_a_reimport_updates_by_code_and_rebases_counters_that_read_elsewhere(tmp_path):
    import_files(tmp_path / "plant", FILES)
    p1 = Device.objects.get(code="PLC-P1")
    counted(p1, TagRole.GOOD_COUNT, raw=70000, total="120")
    counted(p1, TagRole.REJECT_COUNT, raw=9, total="9")
    p2 = Device.objects.get(code="PLC-P2")
    counted(p2, TagRole.GOOD_COUNT, raw=300, total="30")
    tag_ids = set(Tag.objects.values_list("pk", flat=True))

    again = import_files(tmp_path / "plant", FILES)
    assert again["devices.csv"] == {"rows": 3, "created": 0, "updated": 0}
    assert again["tags.csv"] == {"rows": 7, "created": 0, "updated": 0}

    changed = import_files(
        tmp_path / "changed",
        {
            "devices.csv": DEVICES_HEADER + "PLC-P1,modbus,10.0.4.99,1502,PRESS-1,3,500,\n"
            "PLC-P2,modbus,10.0.4.22,502,PRESS-2,7,,\n",
            "tags.csv": TAGS_HEADER + "PLC-P1,good_count,10,uint32,little,\nPLC-P1,reject_count,2,,,\n",
        },
    )
    assert changed["devices.csv"] == {"rows": 2, "created": 0, "updated": 2}
    assert changed["tags.csv"] == {"rows": 2, "created": 0, "updated": 1}
    assert set(Tag.objects.values_list("pk", flat=True)) == tag_ids  # updated, not duplicated
    p1.refresh_from_db()
    assert (p1.host, p1.port, p1.tags.get(role=TagRole.GOOD_COUNT).address) == ("10.0.4.99", 1502, "10")
    by_tag = {(c.tag.device.code, c.tag.role): c for c in TagCounter.objects.select_related("tag__device")}
    # Another register (PLC-P1's good count) and another Modbus unit (all of PLC-P2): the next value is the
    # baseline. The reject count still reads register 2 on the same PLC: it goes on from 9.
    assert (by_tag["PLC-P1", "good_count"].last_raw, by_tag["PLC-P1", "good_count"].total) == (None, 120)
    assert (by_tag["PLC-P2", "good_count"].last_raw, by_tag["PLC-P2", "good_count"].total) == (None, 30)
    assert by_tag["PLC-P1", "reject_count"].last_raw == 9


def test_export_then_import_into_an_empty_database_gives_the_same_files(tmp_path):
    import_files(tmp_path / "plant", FILES)
    export_folder(tmp_path / "first-export")

    Tag.objects.all().delete()
    Device.objects.all().delete()
    Machine.objects.all().delete()
    WorkCenter.objects.all().delete()

    import_folder(tmp_path / "first-export")
    export_folder(tmp_path / "second-export")
    first = {path.name: path.read_text() for path in sorted((tmp_path / "first-export").iterdir())}
    second = {path.name: path.read_text() for path in sorted((tmp_path / "second-export").iterdir())}
    assert first == second
    assert first["devices.csv"].splitlines() == [
        "code,protocol,host,port,machine,unit_id,poll_ms,endpoint_path",
        "PLC-P1,modbus,10.0.4.21,502,PRESS-1,3,500,",
        "PLC-P2,modbus,10.0.4.22,502,PRESS-2,1,1000,",
        "UA-ASSY,opcua,10.0.5.10,4840,ASSY-1,1,250,/line/",
    ]
    assert first["tags.csv"].splitlines()[:3] == [
        "device,role,address,data_type,word_order,state_map",
        "PLC-P1,good_count,0,uint32,little,",
        "PLC-P1,reject_count,2,uint16,big,",
    ]
    assert "UA-ASSY,state,ns=2;i=1001,uint16,big,packml" in first["tags.csv"].splitlines()
