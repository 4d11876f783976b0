"""A small hand-made warehouse whose indicator values are worked out by hand in the tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from datasets.warehouse import Warehouse

# 南京 320100 with one county item (玄武区 320102), 苏州 320500, and one province item.
SERVICE_ITEMS = """
item_id,item_name,list_type,region_code,department,listed_date,achieved_date
NJ-1,企业开办一件事,一件事,320100,南京市政务办,2021-03-01,2022-06-30
NJ-2,出生一件事,一件事,320100,南京市卫健委,2021-05-10,
XW-1,退休一件事,一件事,320102,玄武区人社局,2022-01-15,2023-03-31
SZ-1,开店一件事,一件事,320500,苏州市政务办,2022-01-01,2022-02-15
SH-1,异地就医一件事,一件事,320000,省医保局,2021-01-10,2021-12-01
NJ-9,违建治理一类事,一类事,320100,南京市城管局,2021-01-10,2021-02-01
"""

# Systems of 南京: S4 is classified (never counted); S2 and S3 are retired.
INFO_SYSTEMS = """
system_id,system_name,region_code,department,classified,built_date,cloud_date,retired_date
S1,审批系统,320100,南京市政务办,false,2019-01-01,2021-06-01,
S2,旧档案系统,320100,南京市档案局,false,2019-01-01,,2022-03-15
S3,临时系统,320100,南京市卫健委,false,2020-05-01,2022-09-01,2023-02-01
S4,涉密系统,320100,南京市保密局,true,2019-01-01,,
"""

# 12345 tickets in 玄武区 (南京): T2 closes late, T4 is still open.
HOTLINE = """
ticket_id,region_code,category,created_at,due_at,closed_at,satisfaction
T1,320102,城乡建设,2023-01-10 09:00:00,2023-01-20 09:00:00,2023-01-15 10:00:00,满意
T2,320102,城乡建设,2023-01-20 09:00:00,2023-01-30 09:00:00,2023-02-05 10:00:00,不满意
T3,320102,交通出行,2023-01-25 09:00:00,2023-02-04 09:00:00,2023-02-03 10:00:00,基本满意
T4,320102,交通出行,2023-02-01 09:00:00,2023-02-11 09:00:00,,
"""

GOVERNANCE = """
region_code,year,month,indicator,value,unit,source
320100,2023,1,pm25_monthly_mean,40,μg/m3,测试
320100,2023,2,pm25_monthly_mean,50,μg/m3,测试
320500,2023,1,pm25_monthly_mean,30,μg/m3,测试
320500,2023,2,pm25_monthly_mean,20,μg/m3,测试
320100,2023,1,grid_events_reported,100,件,测试
320100,2023,1,grid_events_resolved,90,件,测试
320500,2023,1,grid_events_reported,300,件,测试
320500,2023,1,grid_events_resolved,240,件,测试
"""

ECONOMIC = """
region_code,year,month,indicator,value,unit,source
320000,2020,,gdp,102719,亿元,测试
320000,2021,,gdp,116364,亿元,测试
320000,2023,3,budget_revenue_ytd,2800,亿元,测试
320000,2023,6,budget_revenue_ytd,5800,亿元,测试
"""

# 南京: 4 apps (1 never onboarded); 2 non-classified networks + 1 classified.
GOV_APPS = """
app_id,app_name,region_code,department,app_type,launched_date,onboarded_date
A1,办事通,320100,南京市政务办,服务,2019-05-01,2021-03-01
A2,治理通,320100,南京市城管局,治理,2020-01-01,2022-07-15
A3,执法通,320100,南京市市场监管局,执法,2021-06-01,
A4,协同通,320100,南京市政府办,协同,2022-02-01,2022-03-01
"""

NETWORKS = """
network_id,network_name,region_code,department,classified,built_date,integrated_date
N1,社保专网,320100,南京市人社局,false,2010-01-01,2021-09-30
N2,医保专网,320100,南京市医保局,false,2012-01-01,
N3,保密专网,320100,南京市保密局,true,2012-01-01,
"""

# enforcement bodies in 南京's counties: 玄武区 (320102) and 秦淮区 (320104)
ENFORCEMENT = """
body_id,body_name,region_code,sector,established_date,mobile_enabled_date
E1,玄武区市场监管大队,320102,市场监管,2015-01-01,2021-05-01
E2,秦淮区城管大队,320104,城市管理,2015-01-01,2023-08-01
E3,秦淮区交通大队,320104,交通运输,2022-03-01,
"""

# sharing requests of 苏州: R2 rejected, R3 still pending, R4 resolved only in January 2024
SHARING = """
request_id,region_code,requesting_department,providing_department,requested_date,status,resolved_date
R1,320500,苏州市卫健委,苏州市公安局,2023-03-01,已满足,2023-03-10
R2,320500,苏州市民政局,苏州市公安局,2023-05-01,已驳回,2023-05-20
R3,320500,苏州市教育局,苏州市人社局,2023-11-01,办理中,
R4,320500,苏州市医保局,苏州市税务局,2023-12-20,已满足,2024-01-05
"""

SCENARIOS = """
scenario_id,scenario_name,kind,region_code,domain,recognised_date
C1,南京城市大脑,典型场景,320100,智慧城市,2021-06-28
C2,苏州一网统管,典型场景,320500,社会治理,2022-06-30
C3,长三角一网通办,区域合作样板,320500,政务运行,2022-12-01
"""

EVALUATIONS = """
region_code,year,month,channel,evaluations,positive,negative,negative_rectified
320100,2023,1,政务服务网,100,95,5,5
320100,2023,1,窗口,50,45,5,3
320100,2023,2,政务服务网,200,196,4,4
320500,2023,1,政务服务网,300,294,6,6
"""

FILES = {
    "gov_apps.csv": GOV_APPS,
    "private_networks.csv": NETWORKS,
    "enforcement_bodies.csv": ENFORCEMENT,
    "data_sharing_requests.csv": SHARING,
    "scenarios.csv": SCENARIOS,
    "service_evaluations.csv": EVALUATIONS,
    "service_items.csv": SERVICE_ITEMS,
    "info_systems.csv": INFO_SYSTEMS,
    "hotline_tickets.csv": HOTLINE,
    "governance_stats.csv": GOVERNANCE,
    "economic_stats.csv": ECONOMIC,
}


def write_files(directory: Path, files: dict[str, str] = FILES) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = directory / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        paths.append(path)
    return paths


def values_only(con) -> None:
    """Recompute just ``indicator_values`` (no tracking tables) after a load."""
    from indicators.engine import compute_values

    compute_values(con)


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> Warehouse:
    from datasets.ingest import ingest

    root = tmp_path_factory.mktemp("small-wh")
    wh = Warehouse(root / "small.duckdb")
    ingest(write_files(root / "files"), warehouse=wh, fresh=True, after_load=values_only)
    return wh
