#!/usr/bin/env bash
# Writes the email fixtures of this folder. Each is constructed for ccd in the shape of real
# mail from the client named in SOURCES.md; the legacy-charset bytes (GBK, Big5, GB18030) are
# made here with iconv from UTF-8 text, so the fixtures are reproducible:
#   bash tests/data/email/make_fixtures.sh      (rewrites the .eml files; needs iconv, base64)
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C

# to CHARSET: UTF-8 on stdin to CHARSET on stdout
to() { iconv -f UTF-8 -t "$1"; }
# b64 CHARSET TEXT: TEXT in CHARSET, base64 (76 columns, as mailers write it)
b64() { printf '%s' "$2" | to "$1" | base64 -w76; }
# ew LABEL CHARSET TEXT: one RFC 2047 B encoded word labelled LABEL holding TEXT in CHARSET
ew() { printf '=?%s?B?%s?=' "$1" "$(printf '%s' "$3" | to "$2" | base64 -w0)"; }
crlf() { sed 's/$/\r/'; }

# --- Big5, Outlook (zh-TW), multipart/alternative, CRLF ---------------------------------------
big5_text='您好：

我上週購買的印表機（型號 LP-2200）無法列印，面板顯示錯誤代碼 E05。
請問要如何處理？保固卡序號是 TW-88231。

陳小明
0912-345-678'
big5_html='<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body><p>您好：</p><p>我上週購買的印表機（型號 LP-2200）無法列印，面板顯示錯誤代碼 E05。<br>請問要如何處理？保固卡序號是 TW-88231。</p><p>陳小明<br>0912-345-678</p></body></html>'
{
cat <<EOF
From: $(ew big5 BIG5 '陳小明') <xiaoming.chen@example.com.tw>
To: $(ew big5 BIG5 '客服中心') <support@example.com>
Subject: $(ew big5 BIG5 '印表機無法列印，請協助處理')
Date: Tue, 5 Mar 2024 09:12:33 +0800
Message-ID: <000001da6e9b\$4c2f1a20\$e48d4e60\$@example.com.tw>
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_000_0001_01DA6EDE.5A527A20"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdpunkwvGiDkjU5gRkSmUJvqH3D7dw==
Content-Language: zh-tw

This is a multipart message in MIME format.

------=_NextPart_000_0001_01DA6EDE.5A527A20
Content-Type: text/plain;
	charset="big5"
Content-Transfer-Encoding: base64

$(b64 BIG5 "$big5_text")

------=_NextPart_000_0001_01DA6EDE.5A527A20
Content-Type: text/html;
	charset="big5"
Content-Transfer-Encoding: base64

$(b64 BIG5 "$big5_html")

------=_NextPart_000_0001_01DA6EDE.5A527A20--
EOF
} | crlf > big5_outlook.eml

# --- GBK text labelled gb2312, Foxmail, 8-bit body and an unencoded 8-bit From name ----------
# 喆, 镕 and 堃 are in GBK but not in GB2312: a strict GB2312 decoder fails on them.
{
printf 'From: %s <zhurong@example.cn>\n' "$(printf '朱镕' | to GBK)"
cat <<EOF
To: support@example.com
Subject: $(ew gb2312 GBK '关于订单 [#1234] 的退货申请 — 王喆')
Date: Wed, 6 Mar 2024 10:30:12 +0800
Message-ID: <202403061030123456789@example.cn>
X-Priority: 3
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Content-Type: text/plain;
	charset="gb2312"
Content-Transfer-Encoding: 8bit

EOF
printf '%s\n' '您好，我是王喆，订单 1234 的电热水壶收到时外壳开裂，申请退货。
联系人：朱镕，地址：上海市浦东新区堃和路 8 号。

王喆' | to GBK
} > gbk_labelled_gb2312.eml

# --- Wrong label: GBK bytes declared utf-8 (a misconfigured client), subject too --------------
{
cat <<EOF
From: $(ew utf-8 GBK '张伟') <zhangwei@example.cn>
To: support@example.com
Subject: $(ew utf-8 GBK '发票抬头写错了')
Date: Thu, 7 Mar 2024 14:05:00 +0800
Message-ID: <wrong-label-3f1c@example.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

$(b64 GBK '你好，发票抬头写错了，应该是“上海某某科技有限公司”，请帮忙重开。谢谢！')
EOF
} > wrong_charset_label.eml

# --- Nested multiparts, RFC 2047 subject split mid-character, RFC 2231 and RFC 2047 names ----
# Thunderbird layout: mixed[alternative[plain, related[html, inline png]], pdf, docx, message].
subj_bytes=$(printf '发票和照片' | base64 -w0)   # 15 bytes; split after 7 (inside 和)
first=$(printf '发票和照片' | head -c 7 | base64 -w0)
second=$(printf '发票和照片' | tail -c +8 | base64 -w0)
: "$subj_bytes"
png_b64='iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
pdf_b64=$(printf '%%PDF-1.4\n%% ccd test invoice\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' | base64 -w76)
docx_b64=$(printf 'PK\003\004 not really a docx, just bytes for the test' | base64 -w76)
cat > nested_attachments.eml <<EOF
From: =?UTF-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <juergen.mueller@example.de>
To: Support <support@example.com>, "Sales Team" <sales@example.com>
Cc: =?UTF-8?B?5p2O5Zub?= <lisi@example.cn>
Subject: =?UTF-8?Q?Rechnung_f=C3=BCr?= =?UTF-8?B?${first}?=
 =?UTF-8?B?${second}?= attached
Date: Fri, 08 Mar 2024 16:45:10 +0100
Message-ID: <4f8a7c1e-2b3d-4e5f-9a6b-7c8d9e0f1a2b@example.de>
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Type: multipart/mixed; boundary="------------mixed0123456789"

This is a multi-part message in MIME format.
--------------mixed0123456789
Content-Type: multipart/alternative;
 boundary="------------alt0123456789"

--------------alt0123456789
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: quoted-printable

Hallo,

anbei die Rechnung (Anhang) und ein Foto des Schadens. Das Ger=C3=A4t =
l=C3=A4sst sich nicht mehr einschalten.

Gr=C3=BC=C3=9Fe
J=C3=BCrgen

--------------alt0123456789
Content-Type: multipart/related;
 boundary="------------rel0123456789"

--------------rel0123456789
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>Hallo,</p><p>anbei die Rechnung (Anhang) und ein Foto des Schad=
ens. Das Ger=C3=A4t l=C3=A4sst sich nicht mehr einschalten.</p>
<p><img src=3D"cid:part1.photo@example.de" alt=3D"Foto"></p><p>Gr=C3=BC=C3=9F=
e<br>J=C3=BCrgen</p></body></html>

--------------rel0123456789
Content-Type: image/png; name="photo.png"
Content-Disposition: inline; filename="photo.png"
Content-Id: <part1.photo@example.de>
Content-Transfer-Encoding: base64

${png_b64}

--------------rel0123456789--

--------------alt0123456789--
--------------mixed0123456789
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=UTF-8''%E5%8F%91%E7%A5%A8%5F2024;
 filename*1*=%2D03%2Epdf
Content-Transfer-Encoding: base64

${pdf_b64}
--------------mixed0123456789
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;
 name="$(ew gb2312 GBK '说明书_镕.docx')"
Content-Disposition: attachment;
 filename="$(ew gb2312 GBK '说明书_镕.docx')"
Content-Transfer-Encoding: base64

${docx_b64}
--------------mixed0123456789
Content-Type: message/rfc822
Content-Disposition: attachment

From: Shop <orders@shop.example>
To: juergen.mueller@example.de
Subject: =?UTF-8?Q?Bestellbest=C3=A4tigung_4711?=
Date: Mon, 04 Mar 2024 08:00:00 +0100
Message-ID: <order-4711@shop.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Vielen Dank für Ihre Bestellung 4711.

--------------mixed0123456789--
EOF

# --- HTML only (a web shop's contact form), quoted-printable ----------------------------------
html_only='<!DOCTYPE html><html><head><title>Contact form</title><style>p { color: red; }</style>
<script>alert("x")</script></head><body>
<h2>新的留言</h2>
<p>顾客&nbsp;<b>王芳</b> &amp; 家人写道：</p>
<p>订单里少了两件商品：</p>
<ul><li>蓝牙耳机 &times; 1</li><li>充电线 &#20320;&#x597D;</li></ul>
<p>请查看 <a href="https://shop.example/orders/1234?a=1&amp;b=2">订单详情</a> 或联系 <a href="mailto:wangfang@example.cn">wangfang@example.cn</a>。</p>
<!-- tracking pixel --><img src="https://shop.example/t.gif" width="1">
</body></html>'
{
cat <<EOF
From: Shop Contact Form <no-reply-form@shop.example>
Reply-To: wangfang@example.cn
To: support@example.com
Subject: =?UTF-8?Q?=E6=96=B0=E7=9A=84=E7=95=99=E8=A8=80?=
Date: Sat, 9 Mar 2024 11:00:00 +0800
Message-ID: <form-20240309110000@shop.example>
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

EOF
printf '%s\n' "$html_only" | python3 -c 'import sys,quopri; sys.stdout.buffer.write(quopri.encodestring(sys.stdin.buffer.read()))'
} > html_only.eml

# --- Gmail reply: attribution line wrapped over two lines, '>' quotes, gmail_quote HTML -------
cat > gmail_reply.eml <<'EOF'
MIME-Version: 1.0
Date: Tue, 5 Mar 2024 11:02:41 +0100
References: <ccd.1111aaaa2222bbbb@example.com> <ccd.3333cccc4444dddd@example.com>
In-Reply-To: <ccd.3333cccc4444dddd@example.com>
Message-ID: <CAF3x+YqZ8n5r0L2W0p1eXAMPLEm4Yx9Q@mail.gmail.com>
Subject: Re: Your repair request [#1234]
From: Anna Schmidt <anna.schmidt@gmail.example>
To: Support Team <support@example.com>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

The replacement works now, thank you!

Only the power cable is still missing from the box.

On Tue, Mar 5, 2024 at 10:15=E2=80=AFAM Support Team <
support@example.com> wrote:

> Hello Anna,
>
> we have sent you a replacement unit today.
>
> Best regards
> Support
>

--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr"><div>The replacement works now, thank you!</div><div><br><=
/div><div>Only the power cable is still missing from the box.</div></div><b=
r><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Tue, =
Mar 5, 2024 at 10:15=E2=80=AFAM Support Team &lt;<a href=3D"mailto:support@=
example.com">support@example.com</a>&gt; wrote:<br></div><blockquote class=
=3D"gmail_quote" style=3D"margin:0px 0px 0px 0.8ex">Hello Anna,<br><br>we h=
ave sent you a replacement unit today.<br><br>Best regards<br>Support</block=
quote></div>

--000000000000a1b2c3d4e5f60718--
EOF

# --- Outlook reply: signature, then "-----Original Message-----", CRLF -----------------------
crlf > outlook_reply.eml <<'EOF'
From: John Smith <john.smith@acme.example>
To: "support@example.com" <support@example.com>
Subject: RE: [#1234] Printer jams on every page
Thread-Topic: [#1234] Printer jams on every page
Thread-Index: AQHabc1234567890abcdefghijklmnopqrstuvwxyzAB==
Date: Tue, 5 Mar 2024 15:20:00 +0000
Message-ID: <DB9PR01MB1234567890ABCDEF@DB9PR01MB1234.eurprd01.prod.outlook.example>
References: <ccd.5555eeee6666ffff@example.com>
In-Reply-To: <ccd.5555eeee6666ffff@example.com>
Accept-Language: en-GB, en-US
Content-Language: en-GB
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Hi,

I tried the cleaning steps but the paper still jams after the first page.
Can someone come on site this week?

Thanks,
John

--=20
John Smith | Facilities
ACME Ltd. | +44 20 7946 0000

-----Original Message-----
From: Support <support@example.com>=20
Sent: Tuesday, March 5, 2024 10:15 AM
To: John Smith <john.smith@acme.example>
Subject: [#1234] Printer jams on every page

Dear John,

please clean the rollers as described in the manual.
EOF

# --- QQ Mail / Foxmail reply in GB18030: "原始邮件" block and "发自我的iPhone" ----------------
qq_text='好的，我明天下午在家，可以安排上门维修。

发自我的iPhone


------------------ 原始邮件 ------------------
发件人: "客服中心"<support@example.com>;
发送时间: 2024年3月5日(星期二) 上午10:15
收件人: "李雷"<lilei@qq.example>;
主题: 洗衣机不脱水 [#5678]

李先生您好，我们可以安排工程师上门检查，请告知方便的时间。'
cat > qqmail_reply_gb18030.eml <<EOF
From: =?gb18030?B?$(printf '李雷' | to GB18030 | base64 -w0)?= <lilei@qq.example>
To: =?gb18030?B?$(printf '客服中心' | to GB18030 | base64 -w0)?= <support@example.com>
Subject: =?gb18030?B?$(printf '回复：洗衣机不脱水 [#5678]' | to GB18030 | base64 -w0)?=
Mime-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_65E6B1A2_0F3C2A10_1D2E3F40"
Content-Transfer-Encoding: 8Bit
Date: Tue, 5 Mar 2024 20:31:14 +0800
X-Priority: 3
Message-ID: <tencent_1A2B3C4D5E6F7A8B9C0D@qq.example>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
In-Reply-To: <ccd.7777aaaa8888bbbb@example.com>
References: <ccd.7777aaaa8888bbbb@example.com>

This is a multi-part message in MIME format.

------=_NextPart_65E6B1A2_0F3C2A10_1D2E3F40
Content-Type: text/plain;
	charset="gb18030"
Content-Transfer-Encoding: base64

$(b64 GB18030 "$qq_text")

------=_NextPart_65E6B1A2_0F3C2A10_1D2E3F40--
EOF

# --- Postfix delivery-status notification (RFC 3464) returning our Chinese acknowledgement --
ack_subject_ew=$(ew UTF-8 UTF-8 '我们已收到您的请求 [#4321]')
crlf > dsn_bounce.eml <<EOF
Return-Path: <>
Delivered-To: support@example.com
Received: by mail.example.com (Postfix) id 8D3B21C0A1; Tue,  5 Mar 2024 02:00:00 +0000 (UTC)
Date: Tue,  5 Mar 2024 02:00:00 +0000 (UTC)
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: support@example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="8D3B21C0A1.1709604000/mail.example.com"
Content-Transfer-Encoding: 8bit
Message-Id: <20240305020000.8D3B21C0A1@mail.example.com>

This is a MIME-encapsulated message.

--8D3B21C0A1.1709604000/mail.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

                   The mail system

<nobody@example.net>: host mx.example.net[203.0.113.5] said: 550 5.1.1
    <nobody@example.net>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

--8D3B21C0A1.1709604000/mail.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
X-Postfix-Queue-ID: 8D3B21C0A1
X-Postfix-Sender: rfc822; support@example.com
Arrival-Date: Tue,  5 Mar 2024 01:59:58 +0000 (UTC)

Final-Recipient: rfc822; nobody@example.net
Original-Recipient: rfc822;nobody@example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address
    rejected: User unknown in virtual mailbox table

--8D3B21C0A1.1709604000/mail.example.com
Content-Description: Undelivered Message
Content-Type: message/rfc822
Content-Transfer-Encoding: 8bit

Return-Path: <support@example.com>
From: Support <support@example.com>
To: nobody@example.net
Subject: ${ack_subject_ew}
Date: Tue, 05 Mar 2024 01:59:57 +0000
Message-ID: <ccd.0123456789abcdef@example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

您好，我们已收到您的请求，工单号 4321。

--8D3B21C0A1.1709604000/mail.example.com--
EOF

# --- qmail free-text bounce (no DSN) ----------------------------------------------------------
cat > qmail_bounce.eml <<'EOF'
Return-Path: <>
Date: 5 Mar 2024 03:00:00 -0000
From: MAILER-DAEMON@mx.example.org
To: support@example.com
Subject: failure notice
Message-ID: <20240305030000.12345.qmail@mx.example.org>

Hi. This is the qmail-send program at mx.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ghost@example.org>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <support@example.com>
From: Support <support@example.com>
To: ghost@example.org
Subject: Your request [#777]
Message-ID: <ccd.feedfacecafebeef@example.com>

Thank you for your message.
EOF

# --- Auto-reply (out of office) from a Chinese webmail, Auto-Submitted: auto-replied ----------
cat > auto_reply.eml <<EOF
From: =?UTF-8?B?$(printf '王经理' | base64 -w0)?= <manager.wang@example.cn>
To: support@example.com
Subject: =?UTF-8?B?$(printf '自动回复: 我们已收到您的请求 [#4321]' | base64 -w0)?=
Date: Tue, 5 Mar 2024 10:16:00 +0800
Message-ID: <autoreply-20240305101600@example.cn>
In-Reply-To: <ccd.0123456789abcdef@example.com>
References: <ccd.0123456789abcdef@example.com>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
Precedence: auto_reply
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

您好，我正在休假，3月10日返回。紧急事务请联系李助理。
EOF

# --- Broken MIME: 8-bit GBK subject, no Message-ID, a part without headers, bad base64, no
# closing boundary (the message was cut off).
{
printf 'From: customer@example.cn\nTo: support@example.com\n'
printf 'Subject: %s\n' "$(printf '售后问题，急！' | to GBK)"
cat <<'EOF'
Date: Sun, 10 Mar 2024 08:00:00 +0800
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BOUNDARY-1"

--BOUNDARY-1

EOF
printf '%s\n' '我的手机屏幕碎了，还在保修期内吗？' | to GBK
cat <<'EOF'
--BOUNDARY-1
Content-Type: image/jpeg; name="screen.jpg"
Content-Disposition: attachment; filename="screen.jpg"
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////
!!!! this line is not base64 !!!! ####
//////////////////////////////////////////////////8A
EOF
} > broken_mime.eml

echo "fixtures written"
