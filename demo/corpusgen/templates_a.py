"""Page layouts for Pacific Policy Review (ppr) and the Harbour Institute (harbour)."""
# ruff: noqa: E501  (markup reads better on one line than wrapped f-strings)
from __future__ import annotations

from .common import (PageContext, author_bio, copyright_line, d_long_uk, d_long_us, esc, iso,
                     json_ld, link_list, meta_tags, paragraphs, url)

# ---------------------------------------------------------------- Pacific Policy Review

PPR_NAV = [("/", "Home"), ("/#commentary", "Commentary"), ("/#trade", "Trade & Economy"),
           ("/#security", "Security"), ("/about.html", "About"), ("/feed.xml", "RSS")]


def _ppr_frame(site: dict, title: str, head_extra: str, main: str, aside: str) -> str:
    nav = "\n".join(f'      <li class="nav-item"><a href="{url(p)}">{esc(t)}</a></li>'
                    for p, t in PPR_NAV)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {esc(site['name'])}</title>
{head_extra}
<link rel="alternate" type="application/rss+xml" title="{esc(site['name'])}" href="{url('/feed.xml')}">
</head>
<body class="ppr">
<div id="cookie-consent" class="cookie-banner" role="dialog" aria-live="polite">
  <p>We use cookies to understand how our analysis is read and to improve the site. By clicking
  &ldquo;Accept&rdquo; you agree to our use of analytics cookies. See our <a href="{url('/about.html#privacy')}">privacy policy</a>.</p>
  <button type="button" class="btn-accept">Accept</button> <button type="button" class="btn-decline">Decline</button>
</div>
<header class="site-header">
  <div class="brand"><a href="{url('/')}" class="logo">{esc(site['name'])}</a>
  <span class="tagline">{esc(site['tagline'])}</span></div>
  <nav class="primary-nav" aria-label="Primary">
    <ul class="nav-list">
{nav}
    </ul>
  </nav>
  <form class="search" action="{url('/private/search')}" method="get"><input type="search" name="q" placeholder="Search analysis"></form>
</header>
<div class="page-grid">
<main id="content" class="content-area">
{main}
</main>
<aside class="sidebar" aria-label="Sidebar">
{aside}
</aside>
</div>
<footer class="site-footer">
  <div class="footer-cols">
    <div class="footer-about"><strong>{esc(site['name'])}</strong> is an independent, nonpartisan
    research organisation founded in {site['founded']}. The views expressed are those of the authors.</div>
    <address>{esc(site['address'])}<br>Tel. +1 202 555 0148</address>
    <ul class="social">
      <li><a href="https://www.linkedin.com/company/pacific-policy-review">LinkedIn</a></li>
      <li><a href="https://bsky.app/profile/pacificpolicyreview.bsky.social">Bluesky</a></li>
    </ul>
  </div>
  <p class="copyright">{copyright_line(site)} <a href="{url('/about.html#terms')}">Terms of use</a></p>
</footer>
</body>
</html>
"""


def _ppr_aside(ctx: PageContext) -> str:
    return f"""<section class="widget most-read">
  <h3 class="widget-title">Most read</h3>
  {link_list(ctx.most_read, 'ol', 'popular-list')}
</section>
<section class="widget newsletter-signup">
  <h3 class="widget-title">The Pacific Brief</h3>
  <p>Our weekly newsletter: the week's analysis on trade, security and diplomacy in your inbox every Friday.</p>
  <form action="{url('/private/newsletter')}" method="post"><input type="email" name="email" placeholder="Email address">
  <button type="submit">Sign up</button></form>
</section>"""


def ppr_article(art, ctx: PageContext) -> str:
    site = ctx.site
    note = f'<p class="republish-note"><em>{esc(ctx.note)}</em></p>' if ctx.note else ""
    main = f"""<article class="post post-commentary">
  <header class="post-header">
    <p class="post-kicker">Commentary</p>
    <h1 class="post-title">{esc(art.title)}</h1>
    <p class="byline">By <a class="author" href="{url('/about.html#experts')}" rel="author">{esc(art.author)}</a>
    &middot; <time datetime="{iso(art.published)}">{d_long_us(art.published)}</time></p>
    <ul class="share-tools"><li>Share</li><li>Print</li><li>Email</li></ul>
  </header>
  <div class="post-body">
{paragraphs(art.paragraphs)}
  </div>
  {note}
  <footer class="post-footer">
    <div class="author-box"><h4>About the author</h4><p>{esc(author_bio(site, art.author))}</p></div>
    <p class="disclaimer">The views expressed in this commentary are the author's own and do not represent an institutional position of {esc(site['name'])}.</p>
  </footer>
</article>
<section class="related-articles">
  <h2>Related analysis</h2>
  {link_list(ctx.related, 'ul', 'related-list')}
</section>"""
    return _ppr_frame(site, art.title, meta_tags(site, art), main, _ppr_aside(ctx))


def ppr_index(site: dict, arts: list, ctx: PageContext) -> str:
    items = "\n".join(
        f"""<div class="teaser"><h2><a href="{url(a.path)}">{esc(a.title)}</a></h2>
<p class="teaser-meta">{esc(a.author)} &middot; {d_long_us(a.published)}</p><p>{esc(a.summary)}</p></div>"""
        for a in arts)
    main = f'<h1 class="section-title" id="commentary">Latest commentary</h1>\n{items}'
    head = f'<meta property="og:site_name" content="{esc(site["name"])}">\n<link rel="canonical" href="{url("/")}">'
    return _ppr_frame(site, "Home", head, main, _ppr_aside(ctx))


def ppr_about(site: dict, ctx: PageContext) -> str:
    main = f"""<h1>About {esc(site['name'])}</h1>
<p>{esc(site['name'])} publishes independent commentary on economic and security policy in the Pacific.</p>
<h2 id="experts">Our experts</h2>
{paragraphs([a['bio'] for a in site['authors']])}
<h2 id="privacy">Privacy</h2><p>We collect anonymised analytics data only with your consent.</p>
<h2 id="terms">Terms of use</h2><p>Content may be quoted with attribution.</p>"""
    return _ppr_frame(site, "About", f'<link rel="canonical" href="{url("/about.html")}">', main,
                      _ppr_aside(ctx))


# ---------------------------------------------------------------- Harbour Institute

HARBOUR_MENU = [("/", "Home"), ("/#analysis", "Analysis"), ("/#dialogues", "Dialogues"),
                ("/#events", "Events"), ("/about.html", "About us")]


def _harbour_frame(site: dict, title: str, head_extra: str, col_main: str, ctx: PageContext) -> str:
    menu = " ".join(f'<a class="menu-link" href="{url(p)}">{esc(t)}</a>' for p, t in HARBOUR_MENU)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)} &ndash; {esc(site['name'])}</title>
<meta name="viewport" content="width=device-width">
{head_extra}
<link rel="alternate" type="application/rss+xml" href="{url('/feed.xml')}">
</head>
<body>
<div class="wrapper">
  <div class="topbar"><span>Singapore &middot; Research &middot; Dialogue</span>
  <a href="{url('/about.html#contact')}">Contact</a></div>
  <header role="banner" class="masthead">
    <a class="site-title" href="{url('/')}">{esc(site['name'])}</a>
    <nav class="menu">{menu}</nav>
  </header>
  <div class="container">
    <div class="col-main">
{col_main}
    </div>
    <div class="col-side">
      <div class="widget widget-popular"><h4>Most Read</h4>
      {link_list(ctx.most_read, 'ul', 'widget-list')}</div>
      <div class="widget widget-newsletter"><h4>Harbour Letters</h4>
        <p>Subscribe to receive our monthly digest of research, dialogue reports and event invitations.</p>
        <form action="{url('/private/subscribe')}" method="post"><label>Email <input type="email" name="e"></label>
        <input type="submit" value="Subscribe"></form></div>
      <div class="widget widget-events"><h4>Upcoming</h4><p>Roundtable: Regional trade architecture after APEC (by invitation).</p></div>
    </div>
  </div>
  <footer id="colophon">
    <p>{esc(site['name'])} &middot; {esc(site['address'])}</p>
    <p>Registered charity. Views expressed in our publications are those of the authors alone.</p>
    <p><a href="https://www.facebook.com/harbourinstitute">Facebook</a> | <a href="https://www.youtube.com/@harbourinstitute">YouTube</a></p>
    <p>{copyright_line(site)}</p>
  </footer>
</div>
<div class="gdpr-notice" id="gdpr"><p>This website uses cookies to ensure you get the best experience.
<a href="{url('/about.html#privacy')}">Learn more</a></p><button>Got it!</button></div>
</body>
</html>
"""


def harbour_article(art, ctx: PageContext) -> str:
    site = ctx.site
    # This site keeps the date out of <meta>: only the visible dateline and JSON-LD carry it.
    head = meta_tags(site, art, with_date=False) + "\n" + json_ld(site, art)
    note = f'<div class="entry-note">{esc(ctx.note)}</div>' if ctx.note else ""
    col = f"""<div class="entry">
  <div class="breadcrumbs"><a href="{url('/')}">Home</a> &raquo; <a href="{url('/#analysis')}">Analysis</a></div>
  <h1 class="entry-title">{esc(art.title)}</h1>
  <div class="entry-meta"><span class="author-name">{esc(art.author)}</span>
  <span class="sep">|</span> <span class="entry-date">{d_long_uk(art.published)}</span></div>
  <div class="entry-content">
{paragraphs(art.paragraphs)}
  </div>
  {note}
  <div class="entry-author"><p><strong>{esc(art.author)}</strong>: {esc(author_bio(site, art.author))}</p></div>
  <div class="entry-tags">Filed under: Analysis, Major-power relations</div>
</div>
<div class="related-posts"><h3>You may also like</h3>
{link_list(ctx.related, 'ul', 'related')}
</div>"""
    return _harbour_frame(site, art.title, head, col, ctx)


def harbour_index(site: dict, arts: list, ctx: PageContext) -> str:
    items = "\n".join(
        f'<li class="post-item"><a href="{url(a.path)}">{esc(a.title)}</a> '
        f'<span class="post-date">{d_long_uk(a.published)}</span><br><span class="post-excerpt">{esc(a.summary)}</span></li>'
        for a in arts)
    col = f'<h2 id="analysis">Recent analysis</h2>\n<ul class="post-list">\n{items}\n</ul>'
    head = f'<meta property="og:site_name" content="{esc(site["name"])}">\n<link rel="canonical" href="{url("/")}">'
    return _harbour_frame(site, "Home", head, col, ctx)


def harbour_about(site: dict, ctx: PageContext) -> str:
    col = f"""<h1>About the Institute</h1>
<p>Founded in {site['founded']}, the {esc(site['name'])} convenes dialogues and publishes research on Asia's regional order.</p>
<h2>Fellows</h2>
{paragraphs([a['bio'] for a in site['authors']])}
<h2 id="contact">Contact</h2><p>{esc(site['address'])}</p>
<h2 id="privacy">Privacy notice</h2><p>We use cookies for basic analytics.</p>"""
    return _harbour_frame(site, "About", f'<link rel="canonical" href="{url("/about.html")}">', col, ctx)
