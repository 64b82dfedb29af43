"""Every word staff and patrons read from the node, in Japanese and English.

Japanese is the default (BOOKMOBILE_LANG=en switches). Errors carry their own wording
(`bookmobile.errors`); this table holds the rest: confirmations, notes, receipt lines.
"""

_TEXT: dict[str, tuple[str, str]] = {
    # confirmations
    "lent": ("貸出: {barcode} {title} (返却期限 {due})", "Lent: {barcode} {title} (due {due})"),
    "handed_over": (
        "予約資料を受け渡し: {barcode} {title} (返却期限 {due})",
        "Hold handed over: {barcode} {title} (due {due})",
    ),
    "bypassed_hold": (
        "  ※ この資料には他の予約がありますが、来館者優先で貸出しました(予約は別の資料に回ります)。",
        "  Note: a hold targeted this copy; the walk-in patron gets it (R14), the hold moves to another copy.",
    ),
    "returned": ("返却: {barcode} {title}", "Returned: {barcode} {title}"),
    "return_overdue": ("  ※ 返却期限を{days}日過ぎていました。", "  Note: {days} day(s) overdue."),
    "return_hold_waiting": (
        "  ★ 予約が入っています。書架に戻さず、予約資料として取り置いてください。",
        "  ★ A hold is waiting: put this copy aside for it, not back on the shelf.",
    ),
    "return_no_loan_record": (
        "  ※ 車両の記録では貸出中ではありませんでした。返却として記録し、本館で確認します。",
        "  Note: the van had no loan for this copy; recorded as returned for central to check.",
    ),
    "return_not_carried": (
        "  ※ この車両の資料一覧にない資料です。返却として記録し、本館で確認します。",
        "  Note: not in this van's item list; recorded as returned for central to check.",
    ),
    "renewed": (
        "延長: {barcode} {title} 返却期限 {old} → {new}",
        "Renewed: {barcode} {title} due {old} -> {new}",
    ),
    "registered": ("利用者登録: カード番号 {card} {name} さん", "Registered: card {card}, {name}"),
    "internet_issued": (
        "インターネットサービスの仮パスワードを発行しました(レシートでお渡しください)。",
        "Temporary internet password issued (hand the receipt to the patron).",
    ),
    "email_changed": ("メールアドレスを変更: {name} さん → {email}", "E-mail changed: {name} -> {email}"),
    "email_removed": ("メールアドレスを削除: {name} さん", "E-mail removed: {name}"),
    "initialised": ("車両 {node_id} として初期化しました({path})。", "Initialised as node {node_id} ({path})."),
    "snapshot_loaded": (
        "スナップショットを読み込みました: 利用者 {patrons}件、資料 {items}件、予約 {holds}件、停車場所 {stops}か所",
        "Snapshot loaded: {patrons} patrons, {items} items, {holds} holds, {stops} stops",
    ),
    "stop_set": ("現在の停車場所: {name} ({code})", "Current stop: {name} ({code})"),
    "patron_line": ("{name} さん (カード {card}、貸出中 {loans}冊)", "{name} (card {card}, {loans} on loan)"),
    "unexpected": (
        "予期しないエラーが発生しました({kind})。この操作は完了していない可能性があります。"
        "詳細は {log} に記録しました。",
        "Unexpected error ({kind}). The action may not have completed. Details were written to {log}.",
    ),
    "printer_failed": (
        "レシートを印刷できませんでした({printer}: {reason})。操作は完了しています。",
        "The receipt could not be printed ({printer}: {reason}). The action itself is done.",
    ),
    # counter mode
    "counter_intro": (
        "カウンターモード: 利用者カードを読み取り、続けて資料を読み取ってください。"
        "空行で利用者を終了、Ctrl+Dで終了します。",
        "Counter mode: scan a library card, then the items. A blank line ends the patron; Ctrl+D quits.",
    ),
    "counter_intro_returns": (
        "返却カウンターモード: 資料を読み取ってください。Ctrl+Dで終了します。",
        "Return counter mode: scan the items. Ctrl+D quits.",
    ),
    "counter_scan_card": ("カードを読み取ってください", "Scan a card"),
    "counter_scan_item": ("資料を読み取ってください(空行で終了)", "Scan an item (blank line to finish)"),
    "counter_patron_done": ("{name} さん: {count}冊 貸出", "{name}: {count} item(s) lent"),
    "counter_bye": ("カウンターモードを終了します。", "Counter mode ended."),
    # status
    "status_title": ("移動図書館端末の状態", "Bookmobile node status"),
    "status_node": ("車両ID / エポック", "Node / epoch"),
    "status_pending": ("未送信の操作", "Pending operations"),
    "status_total": ("記録した操作(合計)", "Recorded operations (total)"),
    "status_oldest": ("最も古い未送信", "Oldest pending"),
    "status_last_sync": ("最後の同期", "Last successful sync"),
    "status_snapshot": ("スナップショット作成日時", "Snapshot generated"),
    "status_snapshot_age": ("スナップショットの経過時間", "Snapshot age"),
    "status_stop": ("現在の停車場所", "Current stop"),
    "status_clock_offset": ("時計のずれ(本館比)", "Clock offset (vs central)"),
    "status_cards_left": ("発行可能なカード番号", "Card numbers left"),
    "status_schema": ("データベースの版", "Schema version"),
    "status_never": ("まだありません", "never"),
    "status_not_measured": ("未測定(同期時に測定)", "not measured yet (measured at sync)"),
    "status_none": ("なし", "none"),
    "status_clock_warning": (
        "警告: この端末の時計がスナップショット作成時刻より前です。時計を確認してください。",
        "Warning: this laptop's clock is earlier than the snapshot's time. Check the clock.",
    ),
    "hours": ("{hours}時間{minutes}分", "{hours} h {minutes} min"),
    "days": ("{days}日{hours}時間", "{days} d {hours} h"),
    # holds list
    "holds_title": ("この停車場所で受け渡す予約", "Holds to hand over at this stop"),
    "holds_all_title": ("この車両で受け渡す予約(全停車場所)", "Holds to hand over (all stops)"),
    "holds_col_card": ("カード", "Card"),
    "holds_col_barcode": ("資料", "Item"),
    "holds_col_title": ("書名", "Title"),
    "holds_col_stop": ("受取場所", "Pickup"),
    "holds_col_deadline": ("取置期限", "Until"),
    "holds_col_state": ("状態", "State"),
    "holds_waiting": ("お渡し待ち", "waiting"),
    "holds_done": ("受け渡し済", "handed over"),
    # routes and stops (docs/routes.md)
    "route_title": ("{day} の巡回", "Route of {day}"),
    "route_col_time": ("時刻", "Time"),
    "route_col_stop": ("停車場所", "Stop"),
    "route_col_route": ("コース", "Route"),
    "route_cancelled": ("運休", "cancelled"),
    "route_current": ("← 現在地", "<- current"),
    "route_none": ("{day} の巡回はありません。", "No visits on {day}."),
    "route_next_day": ("次の巡回日: {day}", "Next visiting day: {day}"),
    "route_no_timetable": (
        "時刻表がありません(本館で巡回コースが登録され、同期すると表示されます)。",
        "No timetable yet (central sends it once a route exists, at the next sync).",
    ),
    "loaded": ("積み込み: {barcode} {title} → {stop} {visit}", "Loaded: {barcode} {title} -> {stop} {visit}"),
    "visit_at": ("{day} {starts}〜{ends}", "{day} {starts}-{ends}"),
    "visit_unknown": ("(巡回日未定)", "(no visit planned)"),
    "to_load_title": ("積み込む予約資料", "Hold copies to load"),
    "to_load_none": ("積み込む予約資料はありません。", "No hold copies to load."),
    "to_load_col_visit": ("お渡し予定", "Visit"),
    "card_holds_title": ("{name} さんの予約(この車両の停車場所で受取)", "{name}'s holds for this van's stops"),
    "card_holds_none": (
        "{name} さんの、この車両の停車場所で受け取る予約はありません。"
        "本館受取の予約は、利用照会(インターネットサービス)または本館でご確認ください。",
        "{name} has no hold for pickup at this van's stops; holds for the main library are shown on the "
        "patron's account page or at the main library.",
    ),
    "where_here": (
        "車両にあります。この停車場所でお渡しできます(hand-over {card} {barcode})。",
        "On the van: hand it over here (hand-over {card} {barcode}).",
    ),
    "where_on_van": (
        "車両にあります。受取場所は「{stop}」です。次回 {visit} にお渡しします。",
        "On the van, for pickup at '{stop}': next visit {visit}.",
    ),
    "where_to_load": (
        "本館に確保済みです。「{stop}」の次の巡回 {visit} に積んでお届けします。",
        "Waiting at the main library; it comes to '{stop}' on the next visit, {visit}.",
    ),
    "where_queued": (
        "予約は受け付けています。資料が返却され次第、「{stop}」へお届けします(資料の確保待ち)。",
        "Hold placed; no copy is free yet. It will be brought to '{stop}' once one is returned.",
    ),
    "where_handed_over": ("受け渡し済みです。", "Already handed over."),
    # receipts
    "r_loan": ("貸出票", "Loan receipt"),
    "r_renewal": ("延長票", "Renewal receipt"),
    "r_registration": ("利用者登録票", "Registration receipt"),
    "r_internet": ("インターネットサービス 仮パスワード", "Internet service: temporary password"),
    "r_bookmobile": ("移動図書館", "Bookmobile"),
    "r_stop": ("停車場所", "Stop"),
    "r_card": ("カード番号", "Card"),
    "r_name": ("お名前", "Name"),
    "r_due": ("返却期限", "Due"),
    "r_new_due": ("新しい返却期限", "New due date"),
    "r_count": ("貸出冊数", "Items"),
    "r_footer_loan": ("返却期限までにお返しください。", "Please return by the due date."),
    "r_password": ("仮パスワード", "Temporary password"),
    "r_password_once": (
        "このパスワードはこの紙にのみ印字されます。図書館では再表示できません。",
        "This password is printed only on this receipt; the library cannot show it again.",
    ),
    "r_reissued": (
        "再発行しました。以前のパスワードは、本館のシステムに取り込まれた時点で使えなくなります。",
        "Re-issued: the old password stops working once the main library takes this in.",
    ),
    "r_next_day": (
        "移動図書館でのお申込みは、本館のシステムに取り込まれた翌日からご利用いただけます(最短で {day})。",
        "Applications taken on the bookmobile work from the day after the main library takes them in "
        "(at the earliest {day}).",
    ),
    "r_change_password": (
        "初めてログインしたら、パスワードを変更してください。",
        "Please change the password when you first sign in.",
    ),
    "r_forgot": (
        "パスワードを忘れた場合は、カードと本人確認書類をお持ちのうえ窓口で再発行を申し込んでください。",
        "If you forget it, apply again in person with your card and an ID document.",
    ),
    # sync
    "enrolled": (
        "本館に登録しました: 車両 {node_id}(エポック {epoch})。次に bookmobile sync を実行してください。",
        "Enrolled with central: node {node_id} (epoch {epoch}). Run `bookmobile sync` next.",
    ),
    "sync_progress": ("送信中", "Sending"),
    "sync_done": (
        "同期しました: 送信 {sent}件(バッチ{batches}、{wire}バイト)、時計のずれ {offset}秒、受信 {changed}件{full}。",
        "Synced: sent {sent} operation(s) in {batches} batch(es), {wire} bytes; clock offset {offset} s; "
        "received {changed} change(s){full}.",
    ),
    "sync_full": ("(全件)", " (full snapshot)"),
    "sync_outcomes": ("  結果: {outcomes}", "  Outcomes: {outcomes}"),
    "sync_conflict": ("  ! 要確認 #{seq}: {message}", "  ! Needs review #{seq}: {message}"),
    "sync_waiting": (
        "本館に接続できません({problem})。{interval}秒後にもう一度試します(Ctrl-Cで中止)。",
        "Central unreachable ({problem}); trying again in {interval} s (Ctrl-C stops).",
    ),
}


def text(key: str, lang: str = "ja", **values: object) -> str:
    """The wording of `key` in `lang` ("en", otherwise Japanese), with `values` filled in."""
    ja, en = _TEXT[key]
    return (en if lang == "en" else ja).format(**values)
