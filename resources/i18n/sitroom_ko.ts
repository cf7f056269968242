<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>DetailsWidget</name>
    <message>
        <location filename="../../widgets/details_dock.py" line="28"/>
        <source>{0:.1f} s ago</source>
        <translation>{0:.1f}초 전</translation>
    </message>
    <message>
        <location filename="../../widgets/details_dock.py" line="28"/>
        <source> (stale)</source>
        <translation> (지연)</translation>
    </message>
</context>
<context>
    <name>FeedsWidget</name>
    <message>
        <location filename="../../widgets/feeds_dock.py" line="24"/>
        <source>live</source>
        <translation>정상</translation>
    </message>
    <message>
        <location filename="../../widgets/feeds_dock.py" line="24"/>
        <source>STALE</source>
        <translation>지연</translation>
    </message>
    <message>
        <location filename="../../widgets/feeds_dock.py" line="25"/>
        <source>waiting</source>
        <translation>대기</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../widgets/labels.py" line="15"/>
        <location filename="../../widgets/labels.py" line="27"/>
        <source>unknown</source>
        <translation>미상</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="16"/>
        <source>bus</source>
        <translation>버스</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="17"/>
        <source>taxi</source>
        <translation>택시</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="18"/>
        <source>fire engine</source>
        <translation>소방차</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="19"/>
        <source>ambulance</source>
        <translation>구급차</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="20"/>
        <source>police</source>
        <translation>경찰</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="28"/>
        <source>available</source>
        <translation>가용</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="29"/>
        <source>busy</source>
        <translation>운행 중</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="30"/>
        <source>en route</source>
        <translation>출동 중</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="31"/>
        <source>on scene</source>
        <translation>현장 도착</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="32"/>
        <source>out of service</source>
        <translation>운행 중지</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="39"/>
        <source>Basemap</source>
        <translation>배경지도</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="40"/>
        <source>Traffic</source>
        <translation>교통 소통</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="41"/>
        <source>Vehicles</source>
        <translation>차량</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="47"/>
        <source>Feed</source>
        <translation>피드</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="47"/>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="48"/>
        <source>msg/s</source>
        <translation>메시지/초</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="48"/>
        <source>Age</source>
        <translation>경과</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="49"/>
        <source>Gaps</source>
        <translation>누락</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="49"/>
        <source>Restarts</source>
        <translation>재시작</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="50"/>
        <source>Errors</source>
        <translation>오류</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="50"/>
        <source>Endpoint</source>
        <translation>주소</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="51"/>
        <source>Last error</source>
        <translation>마지막 오류</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="55"/>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="55"/>
        <source>Type</source>
        <translation>종류</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="56"/>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="56"/>
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="57"/>
        <source>Heading</source>
        <translation>방향</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="57"/>
        <source>Updated</source>
        <translation>갱신</translation>
    </message>
</context>
<context>
    <name>LayersWidget</name>
    <message>
        <location filename="../../widgets/layers_dock.py" line="32"/>
        <source>Opacity</source>
        <translation>불투명도</translation>
    </message>
    <message>
        <location filename="../../widgets/layers_dock.py" line="40"/>
        <source>Vehicle types</source>
        <translation>차량 종류</translation>
    </message>
    <message>
        <location filename="../../widgets/layers_dock.py" line="43"/>
        <source>Vehicle status</source>
        <translation>차량 상태</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/main_window.py" line="39"/>
        <source>SitRoom — {0}</source>
        <translation>SitRoom — {0}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="84"/>
        <source>Layers</source>
        <translation>레이어</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="85"/>
        <source>Feeds</source>
        <translation>피드</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="86"/>
        <source>Details</source>
        <translation>상세 정보</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="89"/>
        <source>Map</source>
        <translation>지도</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="91"/>
        <source>Fit city</source>
        <translation>도시 전체</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="93"/>
        <source>Zoom in</source>
        <translation>확대</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="94"/>
        <source>Zoom out</source>
        <translation>축소</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="97"/>
        <source>Find vehicle ID…</source>
        <translation>차량 ID 찾기…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="106"/>
        <source>Kit: {0} (offline)</source>
        <translation>지도 키트: {0} (오프라인)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="118"/>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="121"/>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="122"/>
        <location filename="../../app/main_window.py" line="133"/>
        <source>About SitRoom</source>
        <translation>SitRoom 정보</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="126"/>
        <source>SitRoom — city operations control room</source>
        <translation>SitRoom — 도시 상황실</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="127"/>
        <source>Map data of the open kit:</source>
        <translation>열린 키트의 지도 데이터:</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="129"/>
        <source>The demo city&apos;s roads are generated, not surveyed.</source>
        <translation>데모 도시의 도로는 실측이 아닌 생성된 도로입니다.</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="190"/>
        <source>Feeds: {0} live, {1} not live · {2:.0f} msg/s · errors {3}</source>
        <translation>피드: 정상 {0}, 비정상 {1} · {2:.0f} 메시지/초 · 오류 {3}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="198"/>
        <source>{0} vehicles ({1} stale) · {2} drawn</source>
        <translation>차량 {0}대 (지연 {1}) · 표시 {2}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="231"/>
        <source>Not a vehicle ID: {0}</source>
        <translation>차량 ID가 아닙니다: {0}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="236"/>
        <source>No vehicle {0} on the map</source>
        <translation>지도에 차량 {0}이(가) 없습니다</translation>
    </message>
</context>
</TS>
