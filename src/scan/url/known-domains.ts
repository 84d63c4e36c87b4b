/**
 * Built-in domain lists for the phishing checks: brands commonly impersonated, URL shorteners,
 * free-mail providers, free hosting and form services (where a phishing page costs nothing), and
 * the click-tracking domains of bulk senders (whose redirects are not a text/link mismatch).
 *
 * Data, not code; kept short and conservative: each entry is a registrable domain (or a host
 * suffix for hosting services) compared in lower case. Config adds to the brand list
 * (`phishing.protectedDomains`) or switches it off (`phishing.builtinProtectedDomains`).
 */

/** Registrable domains of brands that phishing most often impersonates. */
export const DEFAULT_PROTECTED_DOMAINS: readonly string[] = [
  'paypal.com', 'apple.com', 'icloud.com', 'microsoft.com', 'office.com', 'office365.com', 'outlook.com', 'live.com',
  'microsoftonline.com', 'sharepoint.com', 'onedrive.com', 'google.com', 'gmail.com', 'amazon.com', 'netflix.com',
  'facebook.com', 'instagram.com', 'whatsapp.com', 'linkedin.com', 'twitter.com', 'dropbox.com', 'docusign.com',
  'docusign.net', 'adobe.com', 'ebay.com', 'chase.com', 'wellsfargo.com', 'bankofamerica.com', 'citibank.com',
  'americanexpress.com', 'capitalone.com', 'hsbc.com', 'barclays.co.uk', 'santander.com', 'usbank.com', 'dhl.com',
  'fedex.com', 'ups.com', 'usps.com', 'royalmail.com', 'irs.gov', 'hmrc.gov.uk', 'coinbase.com', 'binance.com',
  'blockchain.com', 'metamask.io', 'steamcommunity.com', 'steampowered.com', 'yahoo.com', 'aol.com', 'att.com',
  'verizon.com', 'comcast.net', 'xfinity.com', 'spotify.com', 'zoom.us', 'webex.com', 'intuit.com', 'quickbooks.com',
  'mastercard.com', 'visa.com', 'walmart.com', 'costco.com', 'booking.com', 'airbnb.com', 'github.com', 'mcafee.com',
  'norton.com', 'bestbuy.com', 'target.com', 'tdbank.com', 'pnc.com', 'navyfederal.org', 'usaa.com', 'discover.com',
  'regions.com', 'suntrust.com', 'fifththird.com', 'citizensbank.com', 'keybank.com', 'westernunion.com', 'moneygram.com',
  'lloydsbank.co.uk', 'natwest.com', 'halifax.co.uk', 'nationwide.co.uk', 'postbank.de', 'sparkasse.de', 'commerzbank.de',
  'deutsche-bank.de', 'ing.com', 'correios.com.br', 'laposte.fr', 'ameli.fr', 'post.ch', 'dpd.com', 'hermesworld.com',
];

/** URL shorteners: the real destination is hidden until the click. */
export const URL_SHORTENERS: ReadonlySet<string> = new Set([
  'bit.ly', 'bitly.com', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly',
  'shorturl.at', 'rb.gy', 't.ly', 'tiny.cc', 'bl.ink', 'lnkd.in', 'soo.gd', 's.id', 'v.gd', 'qrco.de', 'shorturl.com',
  'x.co', 'u.to', 'clck.ru', 'tr.im', 'urlz.fr', 'short.io', 'tiny.one', 'y2u.be', 'adf.ly', 'bit.do', 'mcaf.ee',
  'snip.ly', 'shorte.st', 'ouo.io', '2no.co', 'urlshortener.at', 'kutt.it', 'tinylink.net', 'hyperurl.co',
]);

/** Free-mail providers: anyone can have an address there. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'yahoo.co.jp', 'ymail.com',
  'rocketmail.com', 'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'outlook.com', 'live.com', 'msn.com', 'aol.com',
  'icloud.com', 'me.com', 'mac.com', 'gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'mail.com', 'mail.ru', 'yandex.com',
  'yandex.ru', 'zoho.com', 'protonmail.com', 'proton.me', 'tutanota.com', 'qq.com', '163.com', '126.com', 'sina.com',
  'rediffmail.com', 'inbox.com', 'hushmail.com', 'lycos.com', 'excite.com', 'usa.net', 'juno.com', 'netzero.net',
  'earthlink.net', 'libero.it', 'laposte.net', 'orange.fr', 'wanadoo.fr', 'naver.com', 'daum.net', 'seznam.cz',
  'o2.pl', 'wp.pl', 'interia.pl', 'onet.pl', 'rambler.ru', 'bk.ru', 'list.ru', 'inbox.ru', 'yeah.net', 'aim.com',
]);

/**
 * Free hosting, site builders and form services: a registrable domain (or host suffix) where
 * anyone can publish a page. Links there in mail are common in phishing, rare in business mail.
 */
export const FREE_HOSTING_SUFFIXES: readonly string[] = [
  'firebaseapp.com', 'web.app', 'web.core.windows.net', 'blob.core.windows.net', 'azurewebsites.net', 'appspot.com',
  'herokuapp.com', 'netlify.app', 'vercel.app', 'pages.dev', 'workers.dev', 'github.io', 'gitlab.io', 'glitch.me',
  'repl.co', 'weebly.com', 'wixsite.com', 'square.site', 'webflow.io', 'godaddysites.com', 'mystrikingly.com',
  '000webhostapp.com', 'weeblysite.com', 'myshopify.com', 'ngrok.io', 'ngrok-free.app', 'ipfs.io', 'dweb.link',
  'cloudflare-ipfs.com', 'r2.dev', 'jimdosite.com', 'yolasite.com', 'site123.me', 'carrd.co', 'typeform.com',
  'jotform.com', 'formstack.com', 'forms.gle', 'forms.office.com', 'sites.google.com', 'storage.googleapis.com',
  'docs.google.com', 'sharepoint.com', 'onedrive.live.com', '1drv.ms', 'dropboxusercontent.com', 'wetransfer.com',
  'surveymonkey.com', 'formspree.io', 'zohopublic.com', 'notion.site', 'canva.site', 'mailchimpsites.com',
  'filesusr.com', 'backblazeb2.com', 's3.amazonaws.com',
];

/**
 * Click-tracking and redirect hosts of bulk-mail services: a newsletter's "www.shop.example"
 * text linking through one of these is how newsletters work, not a mismatch.
 */
export const TRACKING_REDIRECT_DOMAINS: ReadonlySet<string> = new Set([
  'list-manage.com', 'mailchimp.com', 'mcusercontent.com', 'sendgrid.net', 'sendgrid.com', 'mandrillapp.com',
  'exacttarget.com', 'rs6.net', 'createsend.com', 'createsend1.com', 'hubspotlinks.com', 'hubspot.com', 'hs-sites.com',
  'mailgun.org', 'mailgun.net', 'sparkpostmail.com', 'awstrack.me', 'mjt.lu', 'sendinblue.com', 'brevo.com',
  'klaviyomail.com', 'klclick.com', 'ctct.com', 'constantcontact.com', 'aweber.com', 'getresponse.com',
  'campaign-archive.com', 'salesforce.com', 'pardot.com', 'marketo.com', 'mktoweb.com', 'eloqua.com', 'en25.com',
  'doubleclick.net', 'google.com', 'safelinks.protection.outlook.com', 'outlook.com', 'urldefense.com',
  'urldefense.proofpoint.com', 'mimecast.com', 'postmarkapp.com', 'mailjet.com', 'cmail19.com', 'cmail20.com',
  'emltrk.com', 'returnpath.net', 'responsys.net', 'bronto.com', 'lyris.net', 'mailermailer.com', 'yesmail.com',
  'rsys5.net', 'rsys2.net', 'klaviyo.com',
]);

/** True when `host` is `suffix` or a subdomain of it. */
export function hostMatches(host: string, suffix: string): boolean {
  return host === suffix || (host.length > suffix.length && host.endsWith(suffix) && host[host.length - suffix.length - 1] === '.');
}
