<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name></name>
    <message>
        <source>Wall</source>
        <comment>Open incidents</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>P1 {0} · P2 {1}</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>Waiting for acknowledgement</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>{0} urgent (P1–P2)</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>Units available</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>5-minute coverage</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>road length reached by available fire engines</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>On scene within 5 min</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>7 min: {0} · {1} arrivals</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>Active alarms</comment>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Wall</source>
        <comment>feeds live: {0}/{1}</comment>
        <translation>영상 월</translation>
    </message>
</context>
<context>
    <name>AboutDialog</name>
    <message>
        <source>About SitRoom</source>
        <translation>SitRoom 정보</translation>
    </message>
    <message>
        <source>installed build</source>
        <translation>설치판</translation>
    </message>
    <message>
        <source>Python environment</source>
        <translation>Python 환경</translation>
    </message>
    <message>
        <source>The demo city&apos;s roads are generated, not surveyed.</source>
        <translation>데모 도시의 도로는 실측이 아닌 생성된 도로입니다.</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Journals and kits</source>
        <translation>저널과 키트</translation>
    </message>
    <message>
        <source>Cache</source>
        <translation>캐시</translation>
    </message>
    <message>
        <source>City operations control room</source>
        <translation>도시 상황실</translation>
    </message>
    <message>
        <source>Licence: {0} (GNU General Public License, version 3 or later), with no warranty.</source>
        <translation>라이선스: {0} (GNU 일반 공중 사용 허가서 3판 이상), 보증 없음.</translation>
    </message>
    <message>
        <source>Map data of the open kit:</source>
        <translation>열린 키트의 지도 데이터:</translation>
    </message>
    <message>
        <source>Data credits:</source>
        <translation>데이터 출처:</translation>
    </message>
    <message>
        <source>Where SitRoom keeps its files:</source>
        <translation>SitRoom 파일 위치:</translation>
    </message>
    <message>
        <source>Licences…</source>
        <translation>라이선스…</translation>
    </message>
</context>
<context>
    <name>AlarmDialog</name>
    <message>
        <source>{0} minutes</source>
        <translation>{0}분</translation>
    </message>
    <message>
        <source>{0} hours</source>
        <translation>{0}시간</translation>
    </message>
    <message>
        <source>For</source>
        <translation>경과</translation>
    </message>
</context>
<context>
    <name>AlarmDock</name>
    <message>
        <source>Alarms</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Shelved and out of service</source>
        <translation>보류 및 운용 중지</translation>
    </message>
    <message>
        <source>P</source>
        <translation>우선</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Facility</source>
        <translation>시설물</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>측정값</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>경과</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>메모</translation>
    </message>
    <message>
        <source>Acknowledge (K)</source>
        <translation>경보 확인 (K)</translation>
    </message>
    <message>
        <source>Incident (I)</source>
        <translation>사건 생성 (I)</translation>
    </message>
    <message>
        <source>Shelve…</source>
        <translation>보류…</translation>
    </message>
    <message>
        <source>Out of service…</source>
        <translation>운용 중지…</translation>
    </message>
    <message>
        <source>{0} unacknowledged · {1} active · {2} shelved or out of service</source>
        <translation>미확인 {0} · 발생 중 {1} · 보류·운용 중지 {2}</translation>
    </message>
    <message>
        <source>FLOOD · grouped by facility · </source>
        <translation>경보 폭주 · 시설물별 묶음 · </translation>
    </message>
    <message>
        <source>{0} alarms</source>
        <translation>경보 {0}건</translation>
    </message>
    <message>
        <source>on screen</source>
        <translation>화면 표시</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>접수</translation>
    </message>
    <message>
        <source>first dispatch</source>
        <translation>첫 출동</translation>
    </message>
    <message>
        <source>From the reading: </source>
        <translation>측정 시점부터: </translation>
    </message>
    <message>
        <source>Acknowledged by {0}</source>
        <translation>{0} 확인</translation>
    </message>
    <message>
        <source>Acknowledge…</source>
        <translation>경보 확인…</translation>
    </message>
    <message>
        <source>Make an incident and rank units</source>
        <translation>사건 생성 및 출동대 추천</translation>
    </message>
    <message>
        <source>Unshelve / return to service</source>
        <translation>보류 해제 / 운용 복귀</translation>
    </message>
    <message>
        <source>Take out of service…</source>
        <translation>운용 중지…</translation>
    </message>
    <message>
        <source>Open the facility</source>
        <translation>시설물 열기</translation>
    </message>
</context>
<context>
    <name>AlarmSummary</name>
    <message>
        <source>P</source>
        <translation>우선</translation>
    </message>
    <message>
        <source>Facility</source>
        <translation>시설물</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>For</source>
        <translation>경과</translation>
    </message>
    <message>
        <source>No facility sensors in this session.</source>
        <translation>이 세션에는 시설 센서가 없습니다.</translation>
    </message>
    <message>
        <source>Active alarms: {0} · unacknowledged {1}</source>
        <translation>활성 경보: {0} · 미확인 {1}</translation>
    </message>
    <message>
        <source>ALARM FLOOD: {0} alarms in the last 10 minutes</source>
        <translation>경보 폭주: 최근 10분간 경보 {0}건</translation>
    </message>
    <message>
        <source>Facilities in alarm: {0}</source>
        <translation>경보 중인 시설: {0}</translation>
    </message>
    <message>
        <source>No facility in alarm.</source>
        <translation>경보 중인 시설이 없습니다.</translation>
    </message>
</context>
<context>
    <name>CallForm</name>
    <message>
        <source>Take a call</source>
        <translation>신고 접수</translation>
    </message>
    <message>
        <source>Where? A place, a road, or two roads (A &amp; B); or click the map</source>
        <translation>어디입니까? 장소, 도로, 두 도로의 교차로(A &amp; B), 또는 지도를 누르십시오</translation>
    </message>
    <message>
        <source>No location yet</source>
        <translation>위치가 아직 없습니다</translation>
    </message>
    <message>
        <source>e.g. 010-1234-5678</source>
        <translation>예: 010-1234-5678</translation>
    </message>
    <message>
        <source>What happened, in a line (shown in the queue)</source>
        <translation>무슨 일인지 한 줄로 (사건 목록에 표시)</translation>
    </message>
    <message>
        <source>Notes: what the caller says, hazards, how to get there</source>
        <translation>메모: 신고자 진술, 위험 요소, 진입 방법</translation>
    </message>
    <message>
        <source>Create incident (Ctrl+Enter)</source>
        <translation>사건 생성 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>위치</translation>
    </message>
    <message>
        <source>Caller&apos;s number</source>
        <translation>신고자 전화번호</translation>
    </message>
    <message>
        <source>Caller&apos;s name</source>
        <translation>신고자 이름</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>유형</translation>
    </message>
    <message>
        <source>Priority (1 most urgent)</source>
        <translation>우선순위 (1 최긴급)</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>내용</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>메모</translation>
    </message>
    <message>
        <source>a point outside the kit&apos;s districts</source>
        <translation>키트의 행정구역 밖의 지점</translation>
    </message>
</context>
<context>
    <name>CameraFilter</name>
    <message>
        <source>Cameras</source>
        <translation>CCTV</translation>
    </message>
</context>
<context>
    <name>CamerasController</name>
    <message>
        <source>Video wall</source>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Video wall in its own window</source>
        <translation>영상 월을 별도 창으로</translation>
    </message>
    <message>
        <source>SitRoom — video wall</source>
        <translation>SitRoom — 영상 월</translation>
    </message>
    <message>
        <source>{0} more cameras in range have no direction and were left out.</source>
        <translation>범위 안의 CCTV {0}대는 방향 정보가 없어 제외했습니다.</translation>
    </message>
    <message>
        <source>No camera can see {0}.</source>
        <translation>{0}을(를) 볼 수 있는 CCTV가 없습니다.</translation>
    </message>
    <message>
        <source>Cameras that can see {1} ({2}), best first: {0}.</source>
        <translation>{1}({2})을(를) 볼 수 있는 CCTV, 적합한 순: {0}.</translation>
    </message>
</context>
<context>
    <name>CoveragePanel</name>
    <message>
        <source> min</source>
        <translation> 분</translation>
    </message>
    <message>
        <source>Show on map</source>
        <translation>지도에 표시</translation>
    </message>
    <message>
        <source>Districts (gu)</source>
        <translation>구</translation>
    </message>
    <message>
        <source>Neighbourhoods (dong)</source>
        <translation>동</translation>
    </message>
    <message>
        <source>fire engines</source>
        <translation>소방차</translation>
    </message>
    <message>
        <source>ambulances</source>
        <translation>구급차</translation>
    </message>
    <message>
        <source>police</source>
        <translation>경찰</translation>
    </message>
    <message>
        <source>all emergency units</source>
        <translation>모든 긴급 차량</translation>
    </message>
    <message>
        <source>Time-of-day report</source>
        <translation>시간대별 보고</translation>
    </message>
    <message>
        <source>Within</source>
        <translation>도달 시간</translation>
    </message>
    <message>
        <source>District</source>
        <translation>구역</translation>
    </message>
    <message>
        <source>Covered</source>
        <translation>도달</translation>
    </message>
    <message>
        <source>Uncovered km</source>
        <translation>미도달 km</translation>
    </message>
    <message>
        <source>hour</source>
        <translation>시</translation>
    </message>
    <message>
        <source>of the road network is reached within {0:g} minutes by the {1} available {2}</source>
        <translation>도로망 중 가용 {2} {1}대가 {0:g}분 안에 도달하는 비율</translation>
    </message>
    <message>
        <source>{0} within {1:g} min, by hour ({2} of 24 hours observed)</source>
        <translation>{0} {1:g}분 도달률, 시간대별 (24시간 중 {2}시간 관측)</translation>
    </message>
</context>
<context>
    <name>DetailsWidget</name>
    <message>
        <source>{0:.1f} s ago</source>
        <translation>{0:.1f}초 전</translation>
    </message>
    <message>
        <source> (stale)</source>
        <translation> (지연)</translation>
    </message>
</context>
<context>
    <name>DispatchController</name>
    <message>
        <source>Incidents</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Recommendation</source>
        <translation>출동 추천</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>출동 도달률</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>출동대 현황</translation>
    </message>
    <message>
        <source>Video wall: the cameras that can see the selected incident</source>
        <translation>영상 월: 선택한 사건을 볼 수 있는 CCTV</translation>
    </message>
    <message>
        <source>Close incident…</source>
        <translation>사건 종결…</translation>
    </message>
    <message>
        <source>Cancel incident…</source>
        <translation>사건 취소…</translation>
    </message>
    <message>
        <source>New incident at the map centre…</source>
        <translation>지도 중심에 새 사건…</translation>
    </message>
    <message>
        <source>Incident from the selected alarm: at its facility, units ranked at once</source>
        <translation>선택한 경보로 사건 생성: 해당 시설물 위치, 출동대 즉시 추천</translation>
    </message>
    <message>
        <source>Reassign incident</source>
        <translation>사건 재배정</translation>
    </message>
    <message>
        <source>Reassign {0} to which dispatcher?</source>
        <translation>{0}을(를) 어느 상황요원에게 재배정합니까?</translation>
    </message>
    <message>
        <source>Why?</source>
        <translation>사유는?</translation>
    </message>
    <message>
        <source>{0} reassigned to {1}</source>
        <translation>{0}을(를) {1}에게 재배정함</translation>
    </message>
    <message>
        <source>Reassign incident…</source>
        <translation>사건 재배정…</translation>
    </message>
    <message>
        <source>Close roads in an area (Shift+drag)</source>
        <translation>구역 도로 통제 (Shift+드래그)</translation>
    </message>
    <message>
        <source>Reopen all roads</source>
        <translation>모든 도로 통제 해제</translation>
    </message>
    <message>
        <source>CAD: not configured (commands cannot be sent)</source>
        <translation>CAD: 설정 안 됨 (명령을 보낼 수 없음)</translation>
    </message>
    <message>
        <source>CAD: {0} · {1} pending</source>
        <translation>CAD: {0} · 대기 {1}건</translation>
    </message>
    <message>
        <source>up</source>
        <translation>연결</translation>
    </message>
    <message>
        <source>DOWN</source>
        <translation>끊김</translation>
    </message>
    <message>
        <source>Unit {0} back in service</source>
        <translation>차량 {0} 운행 재개</translation>
    </message>
    <message>
        <source>Unit {0} out of service: not offered</source>
        <translation>차량 {0} 운행 중지: 추천하지 않음</translation>
    </message>
    <message>
        <source>{0} calls waiting for acknowledgement (the Incidents dock is closed: View → Incidents)</source>
        <translation>접수 대기 신고 {0}건 (사건 창이 닫혀 있습니다: 보기 → 사건)</translation>
    </message>
    <message>
        <source>P{0} {1} waiting {2}: {3}</source>
        <translation>P{0} {1} 대기 {2}: {3}</translation>
    </message>
    <message>
        <source>Press R for the fastest units.</source>
        <translation>R을 누르면 가장 빠른 차량을 추천합니다.</translation>
    </message>
    <message>
        <source>Select an incident first (N: the next one)</source>
        <translation>먼저 사건을 선택하십시오 (N: 다음 사건)</translation>
    </message>
    <message>
        <source>Dispatch of {0} to {1} sent; waiting for the CAD</source>
        <translation>{0} 차량을 {1}에 출동 명령했습니다. CAD 확인 대기 중</translation>
    </message>
    <message>
        <source>{0} was closed by {1}</source>
        <translation>{0} 사건을 {1}이(가) 종결했습니다</translation>
    </message>
    <message>
        <source>{0} was cancelled by {1}</source>
        <translation>{0} 사건을 {1}이(가) 취소했습니다</translation>
    </message>
    <message>
        <source>Next call: the most urgent waiting for acknowledgement</source>
        <translation>다음 신고: 접수 대기 중 가장 긴급한 신고</translation>
    </message>
    <message>
        <source>Acknowledge, rank the units and show them with the incident</source>
        <translation>접수 확인, 출동 차량 순위 매기기, 사건과 함께 지도에 표시</translation>
    </message>
    <message>
        <source>Recommend units (rank again)</source>
        <translation>출동 차량 추천 (다시 순위 매기기)</translation>
    </message>
    <message>
        <source>Dispatch the chosen unit</source>
        <translation>선택한 차량 출동</translation>
    </message>
    <message>
        <source>Zoom to the selected incident</source>
        <translation>선택한 사건으로 확대</translation>
    </message>
    <message>
        <source>CAD DOWN: dispatches are kept in the outbox ({0} waiting) and go out the moment it is back.</source>
        <translation>CAD 끊김: 출동 명령은 발신함에 보관되며({0}건 대기) 연결되는 즉시 전송됩니다.</translation>
    </message>
    <message>
        <source>P{0} {1} waiting {2}: {3} (N to take it)</source>
        <translation>P{0} {1} 대기 {2}: {3} (N으로 받기)</translation>
    </message>
    <message>
        <source>and {0} more urgent calls</source>
        <translation>외 긴급 신고 {0}건</translation>
    </message>
    <message>
        <source>Response plan: {0}. D sends the checked units (✓); Space adds or removes one.</source>
        <translation>출동 계획: {0}. D는 표시된(✓) 차량을 모두 보냅니다. Space로 추가하거나 뺍니다.</translation>
    </message>
    <message>
        <source>Fastest available {0} by road:</source>
        <translation>도로로 가장 빨리 도착하는 가용 {0}:</translation>
    </message>
    <message>
        <source>No available {0} can reach it.</source>
        <translation>도달할 수 있는 가용 {0}이(가) 없습니다.</translation>
    </message>
    <message>
        <source>Not enough available units for the plan: {0}.</source>
        <translation>계획에 필요한 가용 차량이 부족합니다: {0}.</translation>
    </message>
    <message>
        <source>Even the fastest unit arrives after the 5-minute mark ({0} from the call).</source>
        <translation>가장 빠른 차량도 5분을 넘겨 도착합니다 (신고 후 {0}).</translation>
    </message>
    <message>
        <source>The nearest unit in a straight line, {0}, would arrive {1} later.</source>
        <translation>직선거리로 가장 가까운 차량 {0}은(는) {1} 늦게 도착합니다.</translation>
    </message>
    <message>
        <source>The nearest unit in a straight line, {0}, cannot reach it by road.</source>
        <translation>직선거리로 가장 가까운 차량 {0}은(는) 도로로 도달할 수 없습니다.</translation>
    </message>
    <message>
        <source>Route: {0} km, ETA {1}.</source>
        <translation>경로: {0} km, 도착 예정 {1}.</translation>
    </message>
    <message>
        <source>Alternative (dashed): {0} km, {1}.</source>
        <translation>대안 경로 (점선): {0} km, {1}.</translation>
    </message>
    <message>
        <source>No unit is checked: Space checks the chosen one</source>
        <translation>표시된 차량이 없습니다: Space로 선택한 차량을 표시하십시오</translation>
    </message>
    <message>
        <source>No unit selected: press R for recommendations</source>
        <translation>선택한 차량이 없습니다: R로 추천을 받으십시오</translation>
    </message>
    <message>
        <source>{0} road edges closed</source>
        <translation>도로 구간 {0}개 통제</translation>
    </message>
    <message>
        <source>Road closed</source>
        <translation>도로 통제</translation>
    </message>
    <message>
        <source>All roads reopened</source>
        <translation>모든 도로 통제 해제</translation>
    </message>
    <message>
        <source>No link-speed history yet: the report needs the link-speed feed to have run.</source>
        <translation>링크 속도 이력이 아직 없습니다: 링크 속도 피드가 수신되어야 보고서를 만들 수 있습니다.</translation>
    </message>
</context>
<context>
    <name>DispositionDialog</name>
    <message>
        <source>Close {0}</source>
        <translation>{0} 종결</translation>
    </message>
    <message>
        <source>Cancel {0}</source>
        <translation>{0} 취소</translation>
    </message>
    <message>
        <source>other (say what in the note)</source>
        <translation>기타 (메모에 적으십시오)</translation>
    </message>
    <message>
        <source>note (optional; required for &apos;other&apos;)</source>
        <translation>메모 (선택; &apos;기타&apos;이면 필수)</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>처리 결과</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>메모</translation>
    </message>
</context>
<context>
    <name>FacilitiesController</name>
    <message>
        <source>Alarms</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Next alarm: the most urgent waiting for acknowledgement</source>
        <translation>다음 경보: 확인을 기다리는 가장 긴급한 경보</translation>
    </message>
    <message>
        <source>Acknowledge the selected alarm, with a note</source>
        <translation>선택한 경보 확인 (메모 첨부 가능)</translation>
    </message>
    <message>
        <source>Shelve the selected alarm…</source>
        <translation>선택한 경보 보류…</translation>
    </message>
    <message>
        <source>Take the selected alarm out of service…</source>
        <translation>선택한 경보 운용 중지…</translation>
    </message>
    <message>
        <source>ALARM FLOOD: {0} alarms in the last 10 minutes. The alarm list is grouped by facility, most urgent first.</source>
        <translation>경보 폭주: 최근 10분간 경보 {0}건. 경보 목록을 시설물별로 묶어 가장 긴급한 것부터 보여 줍니다.</translation>
    </message>
    <message>
        <source>P{0} alarm unacknowledged for {1}: {2}, {3} (L, then K)</source>
        <translation>P{0} 경보 {1}째 미확인: {2}, {3} (L 다음 K)</translation>
    </message>
    <message>
        <source>and {0} more</source>
        <translation>외 {0}건</translation>
    </message>
    <message>
        <source>Select an alarm first (L: the next one)</source>
        <translation>먼저 경보를 선택하십시오 (L: 다음 경보)</translation>
    </message>
    <message>
        <source>No alarm waits for acknowledgement</source>
        <translation>확인을 기다리는 경보가 없습니다</translation>
    </message>
    <message>
        <source>Acknowledge alarm</source>
        <translation>경보 확인</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>메모 (선택)</translation>
    </message>
    <message>
        <source>Shelve alarm</source>
        <translation>경보 보류</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>Take alarm out of service</source>
        <translation>경보 운용 중지</translation>
    </message>
    <message>
        <source>No active alarm to make an incident of</source>
        <translation>사건으로 만들 발생 중인 경보가 없습니다</translation>
    </message>
    <message>
        <source>From alarm {0}</source>
        <translation>경보 {0}에서 생성</translation>
    </message>
</context>
<context>
    <name>FacilityPanel</name>
    <message>
        <source>Sensor</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>측정값</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>기준값</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>상태 진단</translation>
    </message>
    <message>
        <source>sensor {0}</source>
        <translation>센서 {0}</translation>
    </message>
    <message>
        <source>hours before now</source>
        <translation>시간 전</translation>
    </message>
    <message>
        <source>minutes before now</source>
        <translation>분 전</translation>
    </message>
    <message>
        <source>ok (a moment ago: {0})</source>
        <translation>정상 (조금 전: {0})</translation>
    </message>
    <message>
        <source>no reading yet</source>
        <translation>측정값 없음</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>Live: 10 minutes</source>
        <translation>실시간: 10분</translation>
    </message>
    <message>
        <source>Whole history</source>
        <translation>전체 이력</translation>
    </message>
    <message>
        <source>{0}: not known to this kit or its feeds</source>
        <translation>{0}: 이 키트나 피드에 없는 시설물입니다</translation>
    </message>
    <message>
        <source>{0} active alarms · {1} sensors · {2} with a fault</source>
        <translation>발생 중 경보 {0} · 센서 {1} · 이상 {2}</translation>
    </message>
</context>
<context>
    <name>FeedsWidget</name>
    <message>
        <source>live</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>STALE</source>
        <translation>지연</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>OFFLINE</source>
        <translation>오프라인</translation>
    </message>
    <message>
        <source>REJECTED</source>
        <translation>거부됨</translation>
    </message>
    <message>
        <source>snapshots {0}, resyncs {1} {2}</source>
        <translation>스냅샷 {0}, 재동기화 {1} {2}</translation>
    </message>
</context>
<context>
    <name>FigurePlot</name>
    <message>
        <source>CSV…</source>
        <translation>CSV…</translation>
    </message>
    <message>
        <source>PNG…</source>
        <translation>PNG…</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV로 내보내기</translation>
    </message>
    <message>
        <source>Export PNG</source>
        <translation>PNG로 내보내기</translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <source>Last hour</source>
        <translation>최근 1시간</translation>
    </message>
    <message>
        <source>Last 8 hours</source>
        <translation>최근 8시간</translation>
    </message>
    <message>
        <source>Last 12 hours</source>
        <translation>최근 12시간</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>최근 24시간</translation>
    </message>
    <message>
        <source>Since the start</source>
        <translation>시작 이후</translation>
    </message>
    <message>
        <source>Shift report (PDF)…</source>
        <translation>근무 보고서(PDF)…</translation>
    </message>
    <message>
        <source>Incidents reported, by type</source>
        <translation>유형별 접수 사건</translation>
    </message>
    <message>
        <source>Incidents by status</source>
        <translation>상태별 사건</translation>
    </message>
    <message>
        <source>Call to on scene (minutes)</source>
        <translation>신고부터 현장 도착까지(분)</translation>
    </message>
    <message>
        <source>5-minute coverage by hour of day</source>
        <translation>시간대별 5분 도달 범위</translation>
    </message>
    <message>
        <source>Alarms: time to acknowledge (minutes)</source>
        <translation>경보: 확인까지 걸린 시간(분)</translation>
    </message>
    <message>
        <source>Feed uptime</source>
        <translation>피드 가동률</translation>
    </message>
    <message>
        <source>{0} – {1}: {2} incidents · on scene within 5 min {3}, within 7 min {4} ({5} arrivals)</source>
        <translation>{0} – {1}: 사건 {2}건 · 5분 내 현장 도착 {3}, 7분 내 {4} (도착 {5}건)</translation>
    </message>
    <message>
        <source>hours from {0}</source>
        <translation>{0}부터 시간</translation>
    </message>
    <message>
        <source>{0} incidents reported</source>
        <translation>사건 {0}건 접수</translation>
    </message>
    <message>
        <source>within 5 min {0} · within 7 min {1} · median {2} · call to dispatch {3} · dispatch to scene {4}</source>
        <translation>5분 내 {0} · 7분 내 {1} · 중앙값 {2} · 신고→출동 {3} · 출동→현장 {4}</translation>
    </message>
    <message>
        <source>{0} samples; hours without one are empty</source>
        <translation>표본 {0}개; 표본이 없는 시간대는 비어 있음</translation>
    </message>
    <message>
        <source>{0} alarms raised (P1 {1}, P2 {2}, P3 {3}, P4 {4}); {5} acknowledged, median {6}</source>
        <translation>경보 {0}건 발생 (P1 {1}, P2 {2}, P3 {3}, P4 {4}); {5}건 확인, 중앙값 {6}</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import data</source>
        <translation>데이터 가져오기</translation>
    </message>
    <message>
        <source>e.g. south-korea-latest.osm.pbf</source>
        <translation>예: south-korea-latest.osm.pbf</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>찾아보기…</translation>
    </message>
    <message>
        <source>OpenStreetMap extract</source>
        <translation>OpenStreetMap 추출 파일</translation>
    </message>
    <message>
        <source>Road files</source>
        <translation>도로 파일</translation>
    </message>
    <message>
        <source>Point layers</source>
        <translation>지점 레이어</translation>
    </message>
    <message>
        <source>Whole extract</source>
        <translation>추출 파일 전체</translation>
    </message>
    <message>
        <source>Box W,S,E,N</source>
        <translation>범위 W,S,E,N</translation>
    </message>
    <message>
        <source>Korean area (시도 [시군구])</source>
        <translation>행정구역 (시도 [시군구])</translation>
    </message>
    <message>
        <source>Polygon file</source>
        <translation>폴리곤 파일</translation>
    </message>
    <message>
        <source>Clip polygon</source>
        <translation>자르기 폴리곤</translation>
    </message>
    <message>
        <source>only for files without a .prj, e.g. EPSG:5186</source>
        <translation>.prj가 없는 파일에만, 예: EPSG:5186</translation>
    </message>
    <message>
        <source>default: the area or the file name</source>
        <translation>기본값: 지역 또는 파일 이름</translation>
    </message>
    <message>
        <source>Open the kit when it is built</source>
        <translation>만든 뒤 키트 열기</translation>
    </message>
    <message>
        <source>OSM extract</source>
        <translation>OSM 추출 파일</translation>
    </message>
    <message>
        <source>Clip to</source>
        <translation>자르기</translation>
    </message>
    <message>
        <source>Source CRS</source>
        <translation>원본 좌표계</translation>
    </message>
    <message>
        <source>Kit name</source>
        <translation>키트 이름</translation>
    </message>
    <message>
        <source>Write to</source>
        <translation>저장 위치</translation>
    </message>
    <message>
        <source>Build kit</source>
        <translation>키트 만들기</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>Folder for the kit</source>
        <translation>키트 폴더</translation>
    </message>
    <message>
        <source>Choose an OSM extract or at least one road file.</source>
        <translation>OSM 추출 파일이나 도로 파일을 하나 이상 고르십시오.</translation>
    </message>
    <message>
        <source>Say what to clip to, or choose the whole extract.</source>
        <translation>자를 범위를 입력하거나 추출 파일 전체를 고르십시오.</translation>
    </message>
    <message>
        <source>Choose where to write the kit.</source>
        <translation>키트를 저장할 위치를 고르십시오.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Building…</source>
        <translation>만드는 중…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>취소하는 중…</translation>
    </message>
    <message>
        <source>Could not start the build: {0}</source>
        <translation>만들기를 시작할 수 없습니다: {0}</translation>
    </message>
    <message>
        <source>Cancelled; nothing was written.</source>
        <translation>취소했습니다. 아무것도 쓰지 않았습니다.</translation>
    </message>
    <message>
        <source>Built {0}.</source>
        <translation>{0}을(를) 만들었습니다.</translation>
    </message>
    <message>
        <source>The build failed: {0}</source>
        <translation>만들기에 실패했습니다: {0}</translation>
    </message>
    <message>
        <source>see the log</source>
        <translation>로그를 보십시오</translation>
    </message>
</context>
<context>
    <name>IncidentDetails</name>
    <message>
        <source>Incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>위치</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>신고자</translation>
    </message>
    <message>
        <source>What</source>
        <translation>내용</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>메모</translation>
    </message>
    <message>
        <source>{0} (waiting for CAD)</source>
        <translation>{0} (CAD 확인 대기)</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>차량</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>처리 결과</translation>
    </message>
</context>
<context>
    <name>IncidentQueue</name>
    <message>
        <source>Open</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <source>on scene after {0}</source>
        <translation>{0} 만에 현장 도착</translation>
    </message>
    <message>
        <source>{0} · {1}′ mark in {2}</source>
        <translation>{0} · {1}분까지 {2}</translation>
    </message>
    <message>
        <source>{0} · {1} past 7′</source>
        <translation>{0} · 7분 초과 {1}</translation>
    </message>
    <message>
        <source>All</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>Closed recently</source>
        <translation>최근 종결</translation>
    </message>
    <message>
        <source>All types</source>
        <translation>모든 유형</translation>
    </message>
    <message>
        <source>Most urgent first</source>
        <translation>긴급한 순</translation>
    </message>
    <message>
        <source>Oldest first</source>
        <translation>오래된 순</translation>
    </message>
    <message>
        <source>{0} open</source>
        <translation>진행 {0}건</translation>
    </message>
    <message>
        <source>Waiting for acknowledgement: {0}</source>
        <translation>접수 대기: {0}건</translation>
    </message>
    <message>
        <source>No call is waiting</source>
        <translation>대기 중인 신고 없음</translation>
    </message>
    <message>
        <source>{0} (waiting for CAD)</source>
        <translation>{0} (CAD 확인 대기)</translation>
    </message>
    <message>
        <source>By type</source>
        <translation>유형 순</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>unknown</source>
        <translation>미상</translation>
    </message>
    <message>
        <source>bus</source>
        <translation>버스</translation>
    </message>
    <message>
        <source>taxi</source>
        <translation>택시</translation>
    </message>
    <message>
        <source>fire engine</source>
        <translation>소방차</translation>
    </message>
    <message>
        <source>ambulance</source>
        <translation>구급차</translation>
    </message>
    <message>
        <source>police</source>
        <translation>경찰</translation>
    </message>
    <message>
        <source>available</source>
        <translation>가용</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>운행 중</translation>
    </message>
    <message>
        <source>en route</source>
        <translation>출동 중</translation>
    </message>
    <message>
        <source>on scene</source>
        <translation>현장 도착</translation>
    </message>
    <message>
        <source>out of service</source>
        <translation>운행 중지</translation>
    </message>
    <message>
        <source>Basemap</source>
        <translation>배경지도</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>교통 소통</translation>
    </message>
    <message>
        <source>Vehicles</source>
        <translation>차량</translation>
    </message>
    <message>
        <source>Places</source>
        <translation>시설</translation>
    </message>
    <message>
        <source>Incidents</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>경로</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>출동 도달률</translation>
    </message>
    <message>
        <source>Call location</source>
        <translation>신고 위치</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>CCTV</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>시설물</translation>
    </message>
    <message>
        <source>Field markers</source>
        <translation>현장 표지</translation>
    </message>
    <message>
        <source>Feed</source>
        <translation>피드</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>msg/s</source>
        <translation>메시지/초</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>경과</translation>
    </message>
    <message>
        <source>Gaps</source>
        <translation>누락</translation>
    </message>
    <message>
        <source>Restarts</source>
        <translation>재시작</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>오류</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>주소</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>마지막 오류</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <source>Heading</source>
        <translation>방향</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>갱신</translation>
    </message>
    <message>
        <source>fire</source>
        <translation>화재</translation>
    </message>
    <message>
        <source>medical</source>
        <translation>구급</translation>
    </message>
    <message>
        <source>traffic accident</source>
        <translation>교통사고</translation>
    </message>
    <message>
        <source>crime</source>
        <translation>범죄</translation>
    </message>
    <message>
        <source>disaster</source>
        <translation>재난</translation>
    </message>
    <message>
        <source>NEW</source>
        <translation>신규</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>접수</translation>
    </message>
    <message>
        <source>dispatched</source>
        <translation>출동 지령</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>종결</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>P</source>
        <translation>우선</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Golden time</source>
        <translation>골든타임</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>차량</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>내용</translation>
    </message>
    <message>
        <source>There is no incident {incident}.</source>
        <translation>{incident} 사건이 없습니다.</translation>
    </message>
    <message>
        <source>Unknown incident type {type}.</source>
        <translation>알 수 없는 사건 유형 {type}.</translation>
    </message>
    <message>
        <source>The priority must be 1 (most urgent) to 5.</source>
        <translation>우선순위는 1(가장 긴급)부터 5까지입니다.</translation>
    </message>
    <message>
        <source>{incident} is {status}: it cannot become {to}.</source>
        <translation>{incident}은(는) {status} 상태입니다: {to}(으)로 바꿀 수 없습니다.</translation>
    </message>
    <message>
        <source>Give a disposition to close or cancel {incident}.</source>
        <translation>{incident}을(를) 종결하거나 취소하려면 처리 결과를 입력하십시오.</translation>
    </message>
    <message>
        <source>Acknowledge {incident} first (A).</source>
        <translation>먼저 {incident}을(를) 접수 확인하십시오 (A).</translation>
    </message>
    <message>
        <source>{incident} is {status}: it is finished.</source>
        <translation>{incident}은(는) {status} 상태입니다: 끝난 사건입니다.</translation>
    </message>
    <message>
        <source>No route reaches {incident}: is it outside the kit&apos;s roads?</source>
        <translation>{incident}에 닿는 경로가 없습니다: 키트의 도로 밖입니까?</translation>
    </message>
    <message>
        <source>No road within {metres} m of that point.</source>
        <translation>그 지점에서 {metres} m 안에 도로가 없습니다.</translation>
    </message>
    <message>
        <source>No CAD is configured: commands cannot be sent.</source>
        <translation>CAD가 설정되지 않았습니다: 명령을 보낼 수 없습니다.</translation>
    </message>
    <message>
        <source>Unit {unit} is already assigned to {incident}.</source>
        <translation>차량 {unit}은(는) 이미 {incident}에 배정되었습니다.</translation>
    </message>
    <message>
        <source>A command for unit {unit} is already waiting for the CAD.</source>
        <translation>차량 {unit}에 대한 명령이 이미 CAD 확인을 기다리고 있습니다.</translation>
    </message>
    <message>
        <source>Unit {unit} was just dispatched; its position report has not caught up.</source>
        <translation>차량 {unit}은(는) 방금 출동했습니다. 위치 보고가 아직 반영되지 않았습니다.</translation>
    </message>
    <message>
        <source>Unit {unit} is not on the map.</source>
        <translation>차량 {unit}이(가) 지도에 없습니다.</translation>
    </message>
    <message>
        <source>Unit {unit} is {status}, not available.</source>
        <translation>차량 {unit}은(는) {status} 상태로 가용하지 않습니다.</translation>
    </message>
    <message>
        <source>Give a dispatcher and a reason to reassign {incident}.</source>
        <translation>{incident}을(를) 재배정하려면 상황요원과 사유를 입력하십시오.</translation>
    </message>
    <message>
        <source>This room has no facility alarms.</source>
        <translation>이 상황실에는 시설 경보가 없습니다.</translation>
    </message>
    <message>
        <source>{0} is logged in as {1}: only a {2} may {3}.</source>
        <translation>{0}은(는) {1}(으)로 로그인했습니다: {3}은(는) {2}만 할 수 있습니다.</translation>
    </message>
    <message>
        <source> or </source>
        <translation> 또는 </translation>
    </message>
    <message>
        <source>It can become: {0}.</source>
        <translation>가능한 상태: {0}.</translation>
    </message>
    <message>
        <source>It is finished.</source>
        <translation>끝난 사건입니다.</translation>
    </message>
    <message>
        <source>dispatcher</source>
        <translation>상황요원</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>상황관리자</translation>
    </message>
    <message>
        <source>wall</source>
        <translation>상황판</translation>
    </message>
    <message>
        <source>acknowledge incidents</source>
        <translation>사건 확인</translation>
    </message>
    <message>
        <source>dispatch units</source>
        <translation>출동 지령</translation>
    </message>
    <message>
        <source>close incidents</source>
        <translation>사건 종결</translation>
    </message>
    <message>
        <source>cancel incidents</source>
        <translation>사건 취소</translation>
    </message>
    <message>
        <source>reassign incidents</source>
        <translation>사건 재배정</translation>
    </message>
    <message>
        <source>take calls</source>
        <translation>신고 접수</translation>
    </message>
    <message>
        <source>close roads</source>
        <translation>도로 통제</translation>
    </message>
    <message>
        <source>reopen roads</source>
        <translation>도로 통제 해제</translation>
    </message>
    <message>
        <source>take units in or out of service</source>
        <translation>차량 운용 전환</translation>
    </message>
    <message>
        <source>acknowledge alarms</source>
        <translation>경보 확인</translation>
    </message>
    <message>
        <source>shelve alarms</source>
        <translation>경보 보류</translation>
    </message>
    <message>
        <source>unshelve alarms</source>
        <translation>경보 보류 해제</translation>
    </message>
    <message>
        <source>take alarms out of service</source>
        <translation>경보 사용 중지</translation>
    </message>
    <message>
        <source>return alarms to service</source>
        <translation>경보 사용 재개</translation>
    </message>
    <message>
        <source>open another kit</source>
        <translation>다른 키트 열기</translation>
    </message>
    <message>
        <source>control the wall</source>
        <translation>상황판 제어</translation>
    </message>
    <message>
        <source>see the supervisor&apos;s figures</source>
        <translation>관리자 지표 보기</translation>
    </message>
    <message>
        <source>fire extinguished</source>
        <translation>진화 완료</translation>
    </message>
    <message>
        <source>false alarm</source>
        <translation>오인 신고</translation>
    </message>
    <message>
        <source>no fire found</source>
        <translation>화재 없음</translation>
    </message>
    <message>
        <source>handed over to another agency</source>
        <translation>타 기관 이관</translation>
    </message>
    <message>
        <source>patient transported to hospital</source>
        <translation>환자 병원 이송</translation>
    </message>
    <message>
        <source>treated on scene</source>
        <translation>현장 처치</translation>
    </message>
    <message>
        <source>patient refused care</source>
        <translation>환자 처치 거부</translation>
    </message>
    <message>
        <source>deceased</source>
        <translation>사망</translation>
    </message>
    <message>
        <source>no patient found</source>
        <translation>환자 없음</translation>
    </message>
    <message>
        <source>road cleared</source>
        <translation>도로 정리 완료</translation>
    </message>
    <message>
        <source>injured transported</source>
        <translation>부상자 이송</translation>
    </message>
    <message>
        <source>no injuries</source>
        <translation>부상자 없음</translation>
    </message>
    <message>
        <source>arrest made</source>
        <translation>검거</translation>
    </message>
    <message>
        <source>report taken</source>
        <translation>신고 접수 처리</translation>
    </message>
    <message>
        <source>unfounded</source>
        <translation>사실무근</translation>
    </message>
    <message>
        <source>people rescued</source>
        <translation>인명 구조</translation>
    </message>
    <message>
        <source>area secured</source>
        <translation>현장 안전 조치</translation>
    </message>
    <message>
        <source>evacuation completed</source>
        <translation>대피 완료</translation>
    </message>
    <message>
        <source>duplicate call</source>
        <translation>중복 신고</translation>
    </message>
    <message>
        <source>caller cancelled</source>
        <translation>신고자 취소</translation>
    </message>
    <message>
        <source>prank call</source>
        <translation>허위 신고</translation>
    </message>
    <message>
        <source>wrong address</source>
        <translation>잘못된 주소</translation>
    </message>
    <message>
        <source>vehicle</source>
        <translation>차량</translation>
    </message>
    <message>
        <source>incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>road</source>
        <translation>도로</translation>
    </message>
    <message>
        <source>intersection</source>
        <translation>교차로</translation>
    </message>
    <message>
        <source>place</source>
        <translation>장소</translation>
    </message>
    <message>
        <source>district</source>
        <translation>행정구역</translation>
    </message>
    <message>
        <source>address</source>
        <translation>주소</translation>
    </message>
    <message>
        <source>lot address</source>
        <translation>지번 주소</translation>
    </message>
    <message>
        <source>no video</source>
        <translation>영상 없음</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>연결 중</translation>
    </message>
    <message>
        <source>live</source>
        <translation>실시간</translation>
    </message>
    <message>
        <source>FROZEN</source>
        <translation>정지 화면</translation>
    </message>
    <message>
        <source>LOST</source>
        <translation>영상 끊김</translation>
    </message>
    <message>
        <source>REFUSED</source>
        <translation>연결 거부</translation>
    </message>
    <message>
        <source>hospital</source>
        <translation>병원</translation>
    </message>
    <message>
        <source>tunnel</source>
        <translation>터널</translation>
    </message>
    <message>
        <source>bridge</source>
        <translation>교량</translation>
    </message>
    <message>
        <source>underground mall</source>
        <translation>지하상가</translation>
    </message>
    <message>
        <source>public building</source>
        <translation>공공청사</translation>
    </message>
    <message>
        <source>school</source>
        <translation>학교</translation>
    </message>
    <message>
        <source>live or connecting</source>
        <translation>실시간 또는 연결 중</translation>
    </message>
    <message>
        <source>frozen, lost or out of order</source>
        <translation>정지·끊김·순서 오류</translation>
    </message>
    <message>
        <source>with video, not shown</source>
        <translation>영상 있음, 표시 안 함</translation>
    </message>
    <message>
        <source>without video</source>
        <translation>영상 없음</translation>
    </message>
    <message>
        <source>crack width</source>
        <translation>균열 폭</translation>
    </message>
    <message>
        <source>tilt</source>
        <translation>기울기</translation>
    </message>
    <message>
        <source>displacement</source>
        <translation>변위</translation>
    </message>
    <message>
        <source>deflection</source>
        <translation>처짐</translation>
    </message>
    <message>
        <source>fine dust PM10</source>
        <translation>미세먼지 PM10</translation>
    </message>
    <message>
        <source>ultrafine dust PM2.5</source>
        <translation>초미세먼지 PM2.5</translation>
    </message>
    <message>
        <source>differential pressure</source>
        <translation>차압</translation>
    </message>
    <message>
        <source>temperature</source>
        <translation>온도</translation>
    </message>
    <message>
        <source>humidity</source>
        <translation>습도</translation>
    </message>
    <message>
        <source>carbon monoxide</source>
        <translation>일산화탄소</translation>
    </message>
    <message>
        <source>smoke</source>
        <translation>연기</translation>
    </message>
    <message>
        <source>water leak</source>
        <translation>누수</translation>
    </message>
    <message>
        <source>negative pressure lost</source>
        <translation>음압 상실</translation>
    </message>
    <message>
        <source>tampering</source>
        <translation>훼손 감지</translation>
    </message>
    <message>
        <source>high alarm</source>
        <translation>상한 경보</translation>
    </message>
    <message>
        <source>high warning</source>
        <translation>상한 주의</translation>
    </message>
    <message>
        <source>low warning</source>
        <translation>하한 주의</translation>
    </message>
    <message>
        <source>low alarm</source>
        <translation>하한 경보</translation>
    </message>
    <message>
        <source>normal</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>UNACKNOWLEDGED</source>
        <translation>미확인</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <comment>alarm state</comment>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>cleared, unacknowledged</source>
        <translation>해소, 미확인</translation>
    </message>
    <message>
        <source>shelved</source>
        <translation>보류</translation>
    </message>
    <message>
        <source>out of service</source>
        <comment>alarm state</comment>
        <translation>운용 중지</translation>
    </message>
    <message>
        <source>silent</source>
        <translation>무응답</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>주의</translation>
    </message>
    <message>
        <source>alarm</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>not a number</source>
        <translation>숫자가 아님</translation>
    </message>
    <message>
        <source>device says bad</source>
        <translation>장치 오류 보고</translation>
    </message>
    <message>
        <source>out of physical range</source>
        <translation>물리적 범위 밖</translation>
    </message>
    <message>
        <source>changed faster than possible</source>
        <translation>불가능한 속도로 변화</translation>
    </message>
    <message>
        <source>time in the future</source>
        <translation>미래 시각</translation>
    </message>
    <message>
        <source>too many readings</source>
        <translation>측정값 과다</translation>
    </message>
    <message>
        <source>flat-lined</source>
        <translation>값 고정</translation>
    </message>
    <message>
        <source>configuration cannot be judged</source>
        <translation>설정을 판단할 수 없음</translation>
    </message>
    <message>
        <source>under maintenance</source>
        <translation>점검 중</translation>
    </message>
    <message>
        <source>limits in the wrong order</source>
        <translation>기준값 순서 오류</translation>
    </message>
    <message>
        <source>not its kind&apos;s unit</source>
        <translation>종류에 맞지 않는 단위</translation>
    </message>
    <message>
        <source>unknown kind</source>
        <translation>알 수 없는 종류</translation>
    </message>
    <message>
        <source>unknown sensor</source>
        <translation>알 수 없는 센서</translation>
    </message>
    <message>
        <source>There is no alarm {alarm}.</source>
        <translation>{alarm} 경보가 없습니다.</translation>
    </message>
    <message>
        <source>{alarm}: nothing to acknowledge.</source>
        <translation>{alarm}: 확인할 것이 없습니다.</translation>
    </message>
    <message>
        <source>{alarm} is out of service.</source>
        <translation>{alarm} 경보는 운용 중지 상태입니다.</translation>
    </message>
    <message>
        <source>Shelve for a time, up to {hours:g} hours.</source>
        <translation>보류는 최대 {hours:g}시간까지 정해진 시간 동안만 가능합니다.</translation>
    </message>
    <message>
        <source>{alarm} is not shelved.</source>
        <translation>{alarm} 경보는 보류 상태가 아닙니다.</translation>
    </message>
    <message>
        <source>Taking {alarm} out of service needs a reason.</source>
        <translation>{alarm} 경보를 운용 중지하려면 사유가 필요합니다.</translation>
    </message>
    <message>
        <source>{alarm} is in service.</source>
        <translation>{alarm} 경보는 운용 중입니다.</translation>
    </message>
</context>
<context>
    <name>LayersWidget</name>
    <message>
        <source>Opacity</source>
        <translation>불투명도</translation>
    </message>
    <message>
        <source>Vehicle types</source>
        <translation>차량 종류</translation>
    </message>
    <message>
        <source>Vehicle status</source>
        <translation>차량 상태</translation>
    </message>
</context>
<context>
    <name>Legend</name>
    <message>
        <source>under {0}%</source>
        <translation>{0}% 미만</translation>
    </message>
    <message>
        <source>{0}–{1}%</source>
        <translation>{0}–{1}%</translation>
    </message>
    <message>
        <source>{0}% or more: not coloured</source>
        <translation>{0}% 이상: 색 없음</translation>
    </message>
    <message>
        <source>up to {0:g} min</source>
        <translation>{0:g}분 이내</translation>
    </message>
    <message>
        <source>over {0:g} min or not reached</source>
        <translation>{0:g}분 초과 또는 도달 불가</translation>
    </message>
    <message>
        <source>{0:g}–{1:g} min</source>
        <translation>{0:g}–{1:g}분</translation>
    </message>
    <message>
        <source>Speed against free flow</source>
        <translation>자유 흐름 대비 속도</translation>
    </message>
    <message>
        <source>Minutes to reach, dashed</source>
        <translation>도달 시간(분), 점선</translation>
    </message>
    <message>
        <source>On the map, dashed: minutes to reach (the last colour also for roads not reached)</source>
        <translation>지도의 점선: 도달 시간(분) (마지막 색은 도달하지 못하는 도로도 포함)</translation>
    </message>
    <message>
        <source>Coverage is on: its dashed colours are minutes to reach, not speed.</source>
        <translation>커버리지 표시 중: 점선 색은 속도가 아니라 도달 시간(분)입니다.</translation>
    </message>
</context>
<context>
    <name>LicencesDialog</name>
    <message>
        <source>Licences</source>
        <translation>라이선스</translation>
    </message>
    <message>
        <source>The texts are in {0}.</source>
        <translation>전문은 {0}에 있습니다.</translation>
    </message>
    <message>
        <source>From this Python environment&apos;s package metadata.</source>
        <translation>이 Python 환경의 패키지 메타데이터에서 읽었습니다.</translation>
    </message>
    <message>
        <source>No licence texts were found in this installation.</source>
        <translation>이 설치본에서 라이선스 전문을 찾지 못했습니다.</translation>
    </message>
    <message>
        <source>No licence text was found for {0}.</source>
        <translation>{0}의 라이선스 전문을 찾지 못했습니다.</translation>
    </message>
</context>
<context>
    <name>LiveView</name>
    <message>
        <source>Camera {0}</source>
        <translation>CCTV {0}</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>SitRoom — log in</source>
        <translation>SitRoom — 로그인</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation>PIN 또는 비밀번호</translation>
    </message>
    <message>
        <source>Unknown name or wrong PIN.</source>
        <translation>이름을 모르거나 PIN이 틀렸습니다.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>SitRoom — {0}</source>
        <translation>SitRoom — {0}</translation>
    </message>
    <message>
        <source>Missing or damaged in this installation: {0}. Reinstall SitRoom to restore them.</source>
        <translation>이 설치본에서 없거나 손상된 파일: {0}. SitRoom을 다시 설치하면 복구됩니다.</translation>
    </message>
    <message>
        <source>This kit&apos;s roads cover only part of its area ({0:.0%} of its districts): the map is blank outside them.</source>
        <translation>이 키트의 도로는 구역의 일부만 담고 있습니다(구역 면적의 {0:.0%}). 그 밖은 지도가 비어 있습니다.</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>레이어</translation>
    </message>
    <message>
        <source>Feeds</source>
        <translation>피드</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>상세 정보</translation>
    </message>
    <message>
        <source>Supervisor figures</source>
        <translation>관리자 지표</translation>
    </message>
    <message>
        <source>Shift report</source>
        <translation>근무 보고서</translation>
    </message>
    <message>
        <source>SitRoom shift report — {0}</source>
        <translation>SitRoom 근무 보고서 — {0}</translation>
    </message>
    <message>
        <source>Shift report written to {0}</source>
        <translation>근무 보고서를 {0}에 저장했습니다</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>지도</translation>
    </message>
    <message>
        <source>Fit city</source>
        <translation>도시 전체</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>확대</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>축소</translation>
    </message>
    <message>
        <source>Find a place, road, crossing, vehicle or incident (Ctrl+L)</source>
        <translation>장소, 도로, 교차로, 차량, 사건 찾기 (Ctrl+L)</translation>
    </message>
    <message>
        <source>Kit: {0} (offline)</source>
        <translation>지도 키트: {0} (오프라인)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>Open kit…</source>
        <translation>키트 열기…</translation>
    </message>
    <message>
        <source>Recent kits</source>
        <translation>최근 키트</translation>
    </message>
    <message>
        <source>Import data…</source>
        <translation>데이터 가져오기…</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>설정…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>끝내기</translation>
    </message>
    <message>
        <source>&amp;Dispatch</source>
        <translation>출동(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Alarms</source>
        <translation>경보(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Wall</source>
        <translation>상황판(&amp;W)</translation>
    </message>
    <message>
        <source>Night map</source>
        <translation>야간 지도</translation>
    </message>
    <message>
        <source>Day map</source>
        <translation>주간 지도</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>Keys…</source>
        <translation>단축키…</translation>
    </message>
    <message>
        <source>About SitRoom</source>
        <translation>SitRoom 정보</translation>
    </message>
    <message>
        <source>Open kit</source>
        <translation>키트 열기</translation>
    </message>
    <message>
        <source>Still opening the previous kit…</source>
        <translation>이전 키트를 아직 여는 중입니다…</translation>
    </message>
    <message>
        <source>Opening kit {0}…</source>
        <translation>키트 {0} 여는 중…</translation>
    </message>
    <message>
        <source>Opened kit {0}: {1:,} roads</source>
        <translation>키트 {0}을(를) 열었습니다: 도로 {1:,}개</translation>
    </message>
    <message>
        <source>Cannot open kit</source>
        <translation>키트를 열 수 없습니다</translation>
    </message>
    <message>
        <source>{0}

The open kit stays open.</source>
        <translation>{0}

열려 있던 키트는 그대로 열려 있습니다.</translation>
    </message>
    <message>
        <source>{0} (missing)</source>
        <translation>{0} (없음)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <source>Forget missing kits</source>
        <translation>없는 키트 목록에서 지우기</translation>
    </message>
    <message>
        <source>Copy endpoint</source>
        <translation>주소 복사</translation>
    </message>
    <message>
        <source>Restart demo backend</source>
        <translation>데모 백엔드 재시작</translation>
    </message>
    <message>
        <source>Demo city: real districts, generated roads, simulated vehicles. Your own map: File → Import data… (Ctrl+I) or Open kit… (Ctrl+O).</source>
        <translation>데모 도시: 실제 행정구역, 생성한 도로, 모의 차량. 실제 지도: 파일 → 데이터 가져오기…(Ctrl+I) 또는 키트 열기…(Ctrl+O).</translation>
    </message>
    <message>
        <source>↑ / ↓, 1–5</source>
        <translation>↑ / ↓, 1–5</translation>
    </message>
    <message>
        <source>With units ranked: choose the unit (else ↑/↓ pan the map)</source>
        <translation>추천 차량이 표시된 동안: 차량 선택 (그 외에는 ↑/↓로 지도 이동)</translation>
    </message>
    <message>
        <source>Escape</source>
        <translation>Esc</translation>
    </message>
    <message>
        <source>Back to the map and the queue, from anywhere</source>
        <translation>어디서든 지도와 사건 목록으로 돌아가기</translation>
    </message>
    <message>
        <source>Find a vehicle; Enter goes there and returns to the map</source>
        <translation>차량 찾기; Enter로 이동한 뒤 지도로 돌아가기</translation>
    </message>
    <message>
        <source>+ / −</source>
        <translation>+ / −</translation>
    </message>
    <message>
        <source>Zoom, about the selected incident when it is in view</source>
        <translation>확대/축소 (선택한 사건이 보이면 그 사건을 중심으로)</translation>
    </message>
    <message>
        <source>← → ↑ ↓, Home</source>
        <translation>← → ↑ ↓, Home</translation>
    </message>
    <message>
        <source>Pan the map, whole city</source>
        <translation>지도 이동, 도시 전체</translation>
    </message>
    <message>
        <source>Map → waiting calls → incidents → units</source>
        <translation>지도 → 대기 신고 → 사건 → 차량</translation>
    </message>
    <message>
        <source>Push this map view to the wall</source>
        <translation>이 지도 화면을 상황판에 보내기</translation>
    </message>
    <message>
        <source>Push the selected incident&apos;s cameras to the wall</source>
        <translation>선택한 사건의 카메라를 상황판에 보내기</translation>
    </message>
    <message>
        <source>Pin a preset on the wall…</source>
        <translation>상황판에 프리셋 고정…</translation>
    </message>
    <message>
        <source>Let the wall&apos;s rules choose again</source>
        <translation>상황판 규칙이 다시 선택하도록 하기</translation>
    </message>
    <message>
        <source>Declare disaster mode</source>
        <translation>재난 모드 선포</translation>
    </message>
    <message>
        <source>End disaster mode</source>
        <translation>재난 모드 해제</translation>
    </message>
    <message>
        <source>Wall: {0}</source>
        <translation>상황판: {0}</translation>
    </message>
    <message>
        <source>The wall refused: {0}</source>
        <translation>상황판이 거부함: {0}</translation>
    </message>
    <message>
        <source>Select an incident first (N: the next one)</source>
        <translation>먼저 사건을 선택하십시오 (N: 다음 사건)</translation>
    </message>
    <message>
        <source>Pin a preset</source>
        <translation>프리셋 고정</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>프리셋</translation>
    </message>
    <message>
        <source>The language changes at the next start of SitRoom.</source>
        <translation>언어는 SitRoom을 다시 시작하면 바뀝니다.</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>단축키</translation>
    </message>
    <message>
        <source>Feeds: {0} live, {1} not live · {2:.0f} msg/s · errors {3}</source>
        <translation>피드: 정상 {0}, 비정상 {1} · {2:.0f} 메시지/초 · 오류 {3}</translation>
    </message>
    <message>
        <source>Journal: recording</source>
        <translation>저널: 기록 중</translation>
    </message>
    <message>
        <source>Journal: {0}</source>
        <translation>저널: {0}</translation>
    </message>
    <message>
        <source>{0} vehicles ({1} stale) · {2} drawn</source>
        <translation>차량 {0}대 (지연 {1}) · 표시 {2}</translation>
    </message>
    <message>
        <source>REFUSED: {0}. Nothing from it is shown.</source>
        <translation>거부: {0}. 이 피드의 데이터는 표시하지 않습니다.</translation>
    </message>
    <message>
        <source>OFFLINE: no feed is live. The map shows the last known state (up to {0} old); routing, incidents and dispatch keep working, commands wait in the outbox.</source>
        <translation>오프라인: 정상 수신 중인 피드가 없습니다. 지도는 마지막으로 알려진 상태(최대 {0} 전)를 보여 줍니다. 경로 안내, 사건, 출동은 계속 동작하며 명령은 발신함에서 대기합니다.</translation>
    </message>
    <message>
        <source>Not live: {0}. Their data is the last known (up to {1} old), shown grey.</source>
        <translation>수신 중단: {0}. 해당 데이터는 마지막으로 알려진 상태(최대 {1} 전)이며 회색으로 표시됩니다.</translation>
    </message>
    <message>
        <source>Not a vehicle ID: {0}</source>
        <translation>차량 ID가 아닙니다: {0}</translation>
    </message>
    <message>
        <source>No vehicle {0} on the map</source>
        <translation>지도에 차량 {0}이(가) 없습니다</translation>
    </message>
    <message>
        <source>Vehicle {0} has no valid position</source>
        <translation>차량 {0}의 위치가 올바르지 않습니다</translation>
    </message>
    <message>
        <source>New incident here…</source>
        <translation>여기에 새 사건…</translation>
    </message>
    <message>
        <source>Close this road</source>
        <translation>이 도로 통제</translation>
    </message>
    <message>
        <source>Reopen all roads</source>
        <translation>모든 도로 통제 해제</translation>
    </message>
</context>
<context>
    <name>RecommendPanel</name>
    <message>
        <source>Select an incident and press R for the fastest units.</source>
        <translation>사건을 선택하고 R을 누르면 가장 빠른 차량을 추천합니다.</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>차량</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>유형</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>도착 예정</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>거리</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>소속 센터</translation>
    </message>
    <message>
        <source>Dispatch selected unit (D)</source>
        <translation>선택한 차량 출동 (D)</translation>
    </message>
    <message>
        <source>(last known)</source>
        <translation>(마지막 위치)</translation>
    </message>
    <message>
        <source>on the road</source>
        <translation>이동 중</translation>
    </message>
</context>
<context>
    <name>Replay</name>
    <message>
        <source>Timeline</source>
        <translation>타임라인</translation>
    </message>
    <message>
        <source>SitRoom replay — {0} — {1}</source>
        <translation>SitRoom 재생 — {0} — {1}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Logged in</source>
        <translation>로그인</translation>
    </message>
</context>
<context>
    <name>TimelineWidget</name>
    <message>
        <source>Replay speed</source>
        <translation>재생 속도</translation>
    </message>
    <message>
        <source>Drag to move through the journal</source>
        <translation>끌어서 저널 안을 이동</translation>
    </message>
    <message>
        <source>{0} – {1}</source>
        <translation>{0} – {1}</translation>
    </message>
    <message>
        <source>Jump to a few seconds before an incident was reported</source>
        <translation>사건 신고 몇 초 전으로 이동</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>일시 정지</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>재생</translation>
    </message>
    <message>
        <source>(paused)</source>
        <translation>(일시 정지)</translation>
    </message>
    <message>
        <source>Jump to incident…</source>
        <translation>사건으로 이동…</translation>
    </message>
</context>
<context>
    <name>UnitBoard</name>
    <message>
        <source>All units</source>
        <translation>모든 차량</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>차량</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>소속 센터</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>For</source>
        <translation>경과</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>In service</source>
        <translation>운행</translation>
    </message>
    <message>
        <source>{0}, dispatch waiting for CAD</source>
        <translation>{0}, 출동 명령 CAD 확인 대기</translation>
    </message>
    <message>
        <source>{0} (last known)</source>
        <translation>{0} (마지막 위치)</translation>
    </message>
    <message>
        <source>on the road</source>
        <translation>이동 중</translation>
    </message>
    <message>
        <source>Available: {0}</source>
        <translation>가용: {0}</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <source>{0:.0f} fps</source>
        <translation>{0:.0f} fps</translation>
    </message>
    <message>
        <source>{0} s old</source>
        <translation>{0}초 전</translation>
    </message>
    <message>
        <source>{0} bad frames ({1})</source>
        <translation>불량 프레임 {0}개 ({1})</translation>
    </message>
    <message>
        <source>Drop a camera here</source>
        <translation>여기에 CCTV를 끌어 놓으십시오</translation>
    </message>
    <message>
        <source>Remove from the wall</source>
        <translation>월에서 빼기</translation>
    </message>
</context>
<context>
    <name>VideoWall</name>
    <message>
        <source>Presets</source>
        <translation>프리셋</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>CCTV</translation>
    </message>
    <message>
        <source>Tiles on the wall</source>
        <translation>영상 월의 타일 배치</translation>
    </message>
    <message>
        <source>Wall</source>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Save as preset…</source>
        <translation>프리셋으로 저장…</translation>
    </message>
    <message>
        <source>Delete this preset</source>
        <translation>이 프리셋 삭제</translation>
    </message>
    <message>
        <source>Clear every tile</source>
        <translation>모든 타일 비우기</translation>
    </message>
    <message>
        <source>Open in its own window</source>
        <translation>별도 창으로 열기</translation>
    </message>
    <message>
        <source>Filter cameras</source>
        <translation>CCTV 필터</translation>
    </message>
    <message>
        <source>Save preset</source>
        <translation>프리셋 저장</translation>
    </message>
    <message>
        <source>Name of this layout:</source>
        <translation>이 배치의 이름:</translation>
    </message>
</context>
<context>
    <name>WaitingBand</name>
    <message>
        <source>+{0} more</source>
        <translation>외 {0}건</translation>
    </message>
</context>
<context>
    <name>Wall</name>
    <message>
        <source>Map</source>
        <translation>지도</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>CCTV</translation>
    </message>
    <message>
        <source>Incidents</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Key figures</source>
        <translation>주요 지표</translation>
    </message>
    <message>
        <source>Alarms and facilities</source>
        <translation>경보와 시설</translation>
    </message>
    <message>
        <source>Feed health</source>
        <translation>피드 상태</translation>
    </message>
    <message>
        <source>The layout has {0} screens, this machine {1}: they are shown side by side on one.</source>
        <translation>레이아웃은 화면 {0}개, 이 컴퓨터는 {1}개: 한 화면에 나란히 표시합니다.</translation>
    </message>
    <message>
        <source>Screen {0} ({1}) was not found: shown on {2}.</source>
        <translation>화면 {0}({1})을(를) 찾지 못해 {2}에 표시합니다.</translation>
    </message>
    <message>
        <source>No cameras in this session.</source>
        <translation>이 세션에는 카메라가 없습니다.</translation>
    </message>
    <message>
        <source>{0} — incident {1}</source>
        <translation>{0} — 사건 {1}</translation>
    </message>
    <message>
        <source>{0} — {1} cameras see incident {2}</source>
        <translation>{0} — 카메라 {1}대가 사건 {2}을(를) 비춤</translation>
    </message>
    <message>
        <source>{0} — no camera sees incident {1}</source>
        <translation>{0} — 사건 {1}을(를) 비추는 카메라 없음</translation>
    </message>
    <message>
        <source>Preset {0} pinned by {1}</source>
        <translation>프리셋 {0} 고정 ({1})</translation>
    </message>
    <message>
        <source>DISASTER MODE declared</source>
        <translation>재난 모드 선포됨</translation>
    </message>
    <message>
        <source>ALARM FLOOD</source>
        <translation>경보 폭주</translation>
    </message>
    <message>
        <source>P{0} {1}: {2}</source>
        <translation>P{0} {1}: {2}</translation>
    </message>
    <message>
        <source>Not live: {0}. Their data is the last known.</source>
        <translation>실시간 아님: {0}. 마지막으로 알려진 데이터입니다.</translation>
    </message>
</context>
<context>
    <name>_FileList</name>
    <message>
        <source>Add…</source>
        <translation>추가…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
</context>
</TS>
