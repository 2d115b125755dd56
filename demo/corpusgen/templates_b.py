"""Page layouts for Meridian (meridian), Lotus Road (lotus) and Northbridge (northbridge)."""
# ruff: noqa: E501  (markup reads better on one line than wrapped f-strings)
from __future__ import annotations

from .common import (PageContext, author_bio, copyright_line, d_long_uk, d_short_uk, d_short_us,
                     esc, iso, json_ld, link_list, meta_tags, paragraphs, reading_minutes, url)

# ---------------------------------------------------------------- Meridian Strategy Forum


def _meridian_frame(site: dict, title: str, head: str, body: str, ctx: PageContext) -> str:
    return f"""<!doctype html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<title>{esc(title)} — {esc(site['name'])}</title>
{head}
<link rel="alternate" type="application/atom+xml" title="Meridian Insights" href="{url('/feed.xml')}">
</head>
<body class="insight">
<a class="skip-link" href="#main">Skip to content</a>
<header class="header">
  <div class="header__brand"><a href="{url('/')}">{esc(site['name'])}</a></div>
  <nav class="header__nav" aria-label="Main">
    <a href="{url('/#insights')}">Insights</a><a href="{url('/#programmes')}">Programmes</a>
    <a href="{url('/#events')}">Events</a><a href="{url('/about.html')}">About</a>
    <a class="header__cta" href="{url('/about.html#support')}">Support us</a>
  </nav>
</header>
<main id="main">
<div class="layout">
  <div class="layout__primary">
{body}
  </div>
  <aside class="layout__rail">
    <div class="rail-block rail-block--popular"><p class="rail-block__heading">Most read this week</p>
    {link_list(ctx.most_read, 'ol', 'rail-list')}</div>
  </aside>
</div>
<div class="signup signup--inline">
  <p class="signup__title">Get the Meridian briefing</p>
  <p class="signup__text">Concise analysis of strategy and statecraft, every Tuesday. Unsubscribe at any time.</p>
  <form action="{url('/private/briefing')}" method="post"><input type="email" name="email" aria-label="Email"><button>Subscribe</button></form>
</div>
</main>
<footer class="footer">
  <div class="footer__inner">
    <p class="footer__org">{esc(site['name'])} is a registered charity in England and Wales (No. 1071234).</p>
    <p class="footer__address">{esc(site['address'])}</p>
    <p class="footer__social"><a href="https://www.linkedin.com/company/meridian-strategy-forum">LinkedIn</a>
    <a href="https://www.instagram.com/meridianforum">Instagram</a></p>
    <p class="footer__legal">{copyright_line(site)} <a href="{url('/about.html#privacy')}">Privacy</a> · <a href="{url('/about.html#cookies')}">Cookies</a></p>
  </div>
</footer>
<div class="cookie-modal" data-cookie-modal>
  <p><strong>Your privacy choices.</strong> We use essential cookies to run this site and, with your
  permission, analytics cookies to measure readership.</p>
  <button data-accept>Accept all</button><button data-reject>Essential only</button>
</div>
</body>
</html>
"""


def meridian_article(art, ctx: PageContext) -> str:
    site = ctx.site
    note = f'<p class="insight__note">{esc(ctx.note)}</p>' if ctx.note else ""
    body = f"""<article class="insight__article">
  <div class="insight__header">
    <p class="insight__kicker">Expert comment</p>
    <h1 class="insight__title">{esc(art.title)}</h1>
    <div class="insight__meta"><span class="insight__author">{esc(art.author)}</span>
    <span class="insight__date"><time datetime="{iso(art.published)}">{d_short_uk(art.published)}</time></span>
    <span class="insight__read">{reading_minutes(art)} minute read</span></div>
  </div>
  <section class="insight__body">
{paragraphs(art.paragraphs)}
  </section>
  {note}
  <div class="insight__author-bio"><p>{esc(author_bio(site, art.author))}</p></div>
  <p class="insight__disclaimer">Meridian Strategy Forum does not take institutional positions. Expert comments reflect the views of their authors.</p>
</article>
<section class="more-insights"><h2 class="more-insights__title">Related insights</h2>
{link_list(ctx.related, 'ul', 'more-insights__list')}
</section>"""
    return _meridian_frame(site, art.title, meta_tags(site, art), body, ctx)


def meridian_index(site: dict, arts: list, ctx: PageContext) -> str:
    cards = "\n".join(
        f'<div class="card"><p class="card__date">{d_short_uk(a.published)}</p>'
        f'<h3 class="card__title"><a href="{url(a.path)}">{esc(a.title)}</a></h3>'
        f'<p class="card__author">{esc(a.author)}</p></div>' for a in arts)
    body = f'<h1 id="insights">Insights</h1>\n<div class="cards">\n{cards}\n</div>'
    return _meridian_frame(site, "Insights", f'<link rel="canonical" href="{url("/")}">', body, ctx)


def meridian_about(site: dict, ctx: PageContext) -> str:
    body = f"""<h1>About us</h1><p>Founded in {site['founded']}, {esc(site['name'])} is an independent
policy institute working on strategy, statecraft and the global economy.</p>
<h2>People</h2>{paragraphs([a['bio'] for a in site['authors']])}
<h2 id="support">Support us</h2><p>We rely on donations from individuals and foundations.</p>
<h2 id="privacy">Privacy</h2><p>See our privacy notice.</p><h2 id="cookies">Cookies</h2><p>We use essential cookies.</p>"""
    return _meridian_frame(site, "About", f'<link rel="canonical" href="{url("/about.html")}">', body, ctx)


# ---------------------------------------------------------------- Lotus Road Commentary


def _lotus_frame(site: dict, title: str, head: str, content: str, ctx: PageContext) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(title)} :: {esc(site['name'])}</title>
{head}
<link rel="alternate" type="application/rss+xml" title="Lotus Road RSS" href="{url('/feed.xml')}">
</head>
<body>
<div id="cookie-law-info">This site uses cookies. Continued use means you accept our
<a href="{url('/about.html#cookies')}">cookie policy</a>. <a href="#" id="cookie_action_close_header">ACCEPT</a></div>
<div id="page">
  <div id="masthead"><div class="logo"><a href="{url('/')}">{esc(site['name'])}</a></div>
  <div class="slogan">{esc(site['tagline'])}</div></div>
  <nav id="nav-wrap"><ul id="menu">
    <li><a href="{url('/')}">Home</a></li><li><a href="{url('/#geopolitics')}">Geopolitics</a></li>
    <li><a href="{url('/#economy')}">Economy</a></li><li><a href="{url('/#environment')}">Environment</a></li>
    <li><a href="{url('/about.html')}">About</a></li><li><a href="{url('/about.html#write')}">Write for us</a></li>
  </ul></nav>
  <div id="main">
    <div id="article-content">
{content}
    </div>
    <div id="sidebar">
      <div class="side-box"><h3>Most Read</h3>
      {link_list(ctx.most_read, 'ul', 'mostread')}</div>
      <div class="side-box subscribe-box"><h3>Subscribe</h3>
      <p>Get Lotus Road Commentary in your inbox. Free, weekly, no spam.</p>
      <form action="{url('/private/subscribe')}" method="post"><input type="text" name="email" value="Your email"><input type="submit" value="Go"></form></div>
    </div>
  </div>
  <footer id="footer">
    <p>{esc(site['name'])} | {esc(site['address'])} | editors@lotusroad.example</p>
    <p>Follow us: <a href="https://x.com/lotusroadcomm">X</a> &middot; <a href="https://www.facebook.com/lotusroadcommentary">Facebook</a></p>
    <p>{copyright_line(site)}</p>
  </footer>
</div>
</body>
</html>
"""


def lotus_article(art, ctx: PageContext) -> str:
    site = ctx.site
    paras = list(art.paragraphs)
    # Mid-article "Also read" teaser, a staple of this kind of site and a classic extraction trap.
    also = ""
    if ctx.related:
        r = ctx.related[0]
        also = f'<p class="also-read"><strong>Also read:</strong> <a href="{url(r.path)}">{esc(r.title)}</a></p>'
    cut = max(1, len(paras) // 2)
    editor = f'<div class="editor-note"><p><i>{esc(ctx.note)}</i></p></div>' if ctx.note else ""
    content = f"""<h1 class="headline">{esc(art.title)}</h1>
<div class="story-meta"><span class="byline">{esc(art.author)}</span> | <span class="dateline">{d_short_us(art.published)}</span></div>
{editor}
<div class="story-text">
{paragraphs(paras[:cut])}
{also}
{paragraphs(paras[cut:])}
</div>
<div class="about-writer"><p><i>{esc(author_bio(site, art.author))}</i></p></div>
<div class="related-stories"><h3>More from Lotus Road</h3>
{link_list(ctx.related, 'ul', 'related-stories-list')}</div>"""
    return _lotus_frame(site, art.title, meta_tags(site, art), content, ctx)


def lotus_index(site: dict, arts: list, ctx: PageContext) -> str:
    rows = "\n".join(f'<div class="listing"><a href="{url(a.path)}">{esc(a.title)}</a> '
                     f'<span>{esc(a.author)}, {d_short_us(a.published)}</span></div>' for a in arts)
    content = f'<h1 id="geopolitics">Latest</h1>\n{rows}'
    return _lotus_frame(site, "Home", f'<link rel="canonical" href="{url("/")}">', content, ctx)


def lotus_about(site: dict, ctx: PageContext) -> str:
    content = f"""<h1>About Lotus Road</h1><p>{esc(site['name'])} has published commentary since {site['founded']}.</p>
<h2>Editors and fellows</h2>{paragraphs([a['bio'] for a in site['authors']])}
<h2 id="write">Write for us</h2><p>We welcome pitches of 800 to 1,200 words.</p><h2 id="cookies">Cookies</h2><p>We use cookies.</p>"""
    return _lotus_frame(site, "About", f'<link rel="canonical" href="{url("/about.html")}">', content, ctx)


# ---------------------------------------------------------------- Northbridge Asia Observer


def _nb_frame(site: dict, title: str, head: str, content: str, ctx: PageContext) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {esc(site['name'])}</title>
{head}
<link rel="alternate" type="application/rss+xml" href="{url('/feed.xml')}">
</head>
<body class="nb">
<div class="nb-consent" role="region" aria-label="Cookie consent">
  <p>We and our partners use cookies to personalise content and measure audiences.
  <button class="nb-consent__ok">I agree</button> <a href="{url('/about.html#cookies')}">Manage settings</a></p>
</div>
<div class="nb-ticker"><span class="nb-ticker__label">Markets</span> ASX 200 +0.4% &middot; Nikkei -0.2% &middot; AUD/USD 0.65</div>
<header class="nb-header">
  <a class="nb-logo" href="{url('/')}">{esc(site['name'])}</a>
  <nav class="nb-nav"><ul>
    <li><a href="{url('/#news')}">News</a></li><li><a href="{url('/#analysis')}">Analysis</a></li>
    <li><a href="{url('/#markets')}">Markets</a></li><li><a href="{url('/#region')}">Region</a></li>
    <li><a href="{url('/about.html')}">About</a></li><li><a href="{url('/private/login')}">Subscriber login</a></li>
  </ul></nav>
</header>
<div class="nb-page">
  <main class="nb-main">
{content}
  </main>
  <aside class="nb-aside">
    <section class="nb-box nb-box--trending"><h2>Most read</h2>
    {link_list(ctx.most_read, 'ol', 'nb-trending')}</section>
    <section class="nb-box nb-box--newsletter"><h2>Morning Briefing</h2>
    <p>Start the day with the Asia-Pacific stories that matter. Delivered weekdays at 6am AEDT.</p>
    <form action="{url('/private/newsletter')}" method="post"><input type="email" name="email"><button>Sign me up</button></form></section>
  </aside>
</div>
<footer class="nb-footer">
  <p>{esc(site['name'])}, {esc(site['address'])}. ABN 12 345 678 901.</p>
  <p><a href="https://www.linkedin.com/company/northbridge-asia-observer">LinkedIn</a> · <a href="https://x.com/nbobserver">X</a></p>
  <p>{copyright_line(site)}</p>
</footer>
</body>
</html>
"""


def northbridge_article(art, ctx: PageContext) -> str:
    site = ctx.site
    kind = "News" if art.label == "neutral_news" else "Analysis"
    head = meta_tags(site, art) + f'\n<meta property="article:section" content="{kind}">\n' + json_ld(site, art)
    note = f'<p class="nb-article__note">{esc(ctx.note)}</p>' if ctx.note else ""
    content = f"""<article class="nb-article">
  <p class="nb-article__section">{kind}</p>
  <h1 class="nb-article__headline">{esc(art.title)}</h1>
  <p class="nb-article__standfirst">{esc(art.summary)}</p>
  <div class="nb-article__meta">By <span class="nb-article__author">{esc(art.author)}</span> ·
  Published <time datetime="{iso(art.published)}">{art.published:%a} {d_long_uk(art.published)}, {art.published:%H:%M} UTC</time>
  · {reading_minutes(art)} min read</div>
  <div class="nb-share"><a href="{url('/private/share')}">Share</a> <a href="{url('/private/save')}">Save</a></div>
  <div class="nb-article__body">
{paragraphs(art.paragraphs)}
  </div>
  {note}
  <p class="nb-article__tags">Topics: Trade · Diplomacy · Asia-Pacific</p>
</article>
<section class="nb-related"><h2>Related stories</h2>
{link_list(ctx.related, 'ul', 'nb-related__list')}</section>"""
    return _nb_frame(site, art.title, head, content, ctx)


def northbridge_index(site: dict, arts: list, ctx: PageContext) -> str:
    items = "\n".join(f'<article class="nb-card"><h2><a href="{url(a.path)}">{esc(a.title)}</a></h2>'
                      f'<p>{esc(a.summary)}</p><p class="nb-card__meta">{d_short_uk(a.published)}</p></article>'
                      for a in arts)
    content = f'<h1 id="news">Latest news and analysis</h1>\n{items}'
    return _nb_frame(site, "Asia-Pacific news and analysis", f'<link rel="canonical" href="{url("/")}">', content, ctx)


def northbridge_about(site: dict, ctx: PageContext) -> str:
    content = f"""<h1>About the Observer</h1><p>Founded in {site['founded']}, {esc(site['name'])} covers policy in the Asia-Pacific.</p>
<h2>Our newsroom</h2>{paragraphs([a['bio'] for a in site['authors']])}<h2 id="cookies">Cookies</h2><p>Manage your settings.</p>"""
    return _nb_frame(site, "About", f'<link rel="canonical" href="{url("/about.html")}">', content, ctx)
