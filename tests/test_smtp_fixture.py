from django.core.mail import send_mail


def test_mail_goes_through_a_real_smtp_exchange(smtp_server):
    send_mail("停电通知", "明天 08:00–12:00 停电检修。", "powerkam@localhost", ["m01@example.com"])
    [received] = smtp_server.messages
    assert received.recipients == ["m01@example.com"]
    assert received.subject == "停电通知"
    assert "停电检修" in received.text
