"""Fixed demo parameters: currencies, demo exchange rates, products, names, reasons.

Rates and shares are frozen demo values, not market data: the same seed must give the same rows
next year too.
"""

from __future__ import annotations

import numpy as np

PROVIDER = "binance_pay"

# Currency mix of a merchant that prices in USD and lets buyers pick the asset.
CURRENCIES = ("USDT", "USDC", "BTC", "ETH", "BNB", "FDUSD", "SOL")
CURRENCY_SHARES = np.array([0.55, 0.15, 0.09, 0.08, 0.07, 0.04, 0.02])
# Whole USD per unit: ratios in integer form so the conversion stays reproducible.
USD_RATES = np.array([1, 1, 65_000, 3_200, 580, 1, 150])
# Decimals an amount is quoted with (prices converted from USD are rounded to these).
QUOTE_DECIMALS = np.array([2, 2, 8, 6, 5, 2, 4])
STABLE = np.array([True, True, False, False, False, True, False])
# Log-normal ticket size in USD: crypto-native buyers of BTC/ETH spend more per order.
TICKET_MEDIAN_USD = np.array([38.0, 45.0, 160.0, 120.0, 60.0, 40.0, 55.0])
TICKET_SIGMA = np.array([1.05, 1.05, 1.2, 1.15, 1.0, 1.0, 1.0])
TICKET_MAX_USD = 25_000.0

# Binance Pay merchant commission, in basis points of the order amount.
COMMISSION_BP = 90
ORDER_EXPIRY_MINUTES = 60

PRODUCTS = (
    ("Pro plan - monthly", "02"),
    ("Pro plan - yearly", "02"),
    ("Team plan - monthly", "02"),
    ("Game credits 500", "02"),
    ("Game credits 2000", "02"),
    ("Gift card 25 USD", "02"),
    ("Gift card 50 USD", "02"),
    ("Gift card 100 USD", "02"),
    ("VPN 12 months", "02"),
    ("Cloud storage 1 TB", "02"),
    ("Online course: Python", "02"),
    ("E-book bundle", "02"),
    ("Concert ticket", "02"),
    ("Hotel booking deposit", "02"),
    ("Flight booking", "02"),
    ("Wireless earbuds", "01"),
    ("Mechanical keyboard", "01"),
    ("Hardware wallet", "01"),
    ("Running shoes", "01"),
    ("Coffee beans 1 kg", "01"),
    ("T-shirt", "01"),
    ("Smartwatch", "01"),
    ("Phone case", "01"),
    ("Backpack", "01"),
    ("Domain renewal", "02"),
    ("Web hosting - annual", "02"),
    ("Donation", "02"),
    ("Consulting hour", "02"),
    ("Event pass", "02"),
    ("Mobile top-up", "02"),
)

FIRST_NAMES = (
    "anna",
    "ben",
    "carla",
    "dmitri",
    "elena",
    "farid",
    "grace",
    "hiro",
    "ines",
    "jamal",
    "kofi",
    "lena",
    "mateo",
    "nadia",
    "omar",
    "priya",
    "quentin",
    "rosa",
    "sven",
    "tariq",
    "uma",
    "victor",
    "wei",
    "ximena",
    "yusuf",
    "zoe",
    "liam",
    "mia",
    "noah",
    "olga",
    "pablo",
    "sara",
    "tom",
    "yara",
)
LAST_NAMES = (
    "adams",
    "bauer",
    "costa",
    "dubois",
    "evans",
    "fischer",
    "garcia",
    "hansen",
    "ivanova",
    "jones",
    "kim",
    "lopez",
    "meyer",
    "nguyen",
    "okafor",
    "petrov",
    "quinn",
    "rossi",
    "silva",
    "tanaka",
    "ueda",
    "varga",
    "wong",
    "yilmaz",
    "zhang",
    "novak",
    "khan",
    "smith",
    "sato",
    "moreau",
)
EMAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "proton.me",
    "yahoo.com",
    "icloud.com",
    "gmx.de",
    "mail.ru",
    "example.org",
    "fastmail.com",
    "hey.com",
)

REFUND_REASONS = (
    "CUSTOMER_REQUEST",
    "DUPLICATE_PAYMENT",
    "NOT_DELIVERED",
    "DAMAGED_GOODS",
    "PARTIAL_DELIVERY",
    "PRICE_ADJUSTMENT",
    "GOODWILL",
)
REFUND_NOTES = (
    None,
    None,
    None,
    "customer wrote to support",
    "ticket #{n}",
    "shipped short, refunded item",
    "double charge at checkout",
    "service outage credit",
)
# The failed first attempt that support retried after topping up the balance.
# The message is what people read in the Refunds table: words, as a live refusal stores them.
REFUND_REFUSED_BALANCE = ("400304", "the merchant balance was too low for this refund")

PAYOUT_CURRENCIES = ("USDT", "USDC", "BNB")
PAYOUT_CURRENCY_SHARES = np.array([0.72, 0.2, 0.08])
PAYOUT_PURPOSES = (
    "Affiliate commissions",
    "Creator rewards",
    "Supplier settlement",
    "Refund reimbursements",
    "Contractor invoices",
    "Referral bonuses",
    "Staff expenses",
)
PAYOUT_LINE_ERRORS = (
    ("RECEIVER_NOT_FOUND", 4),
    ("RECEIVER_KYC_INCOMPLETE", 3),
    ("ACCOUNT_RESTRICTED", 1),
)
PAYOUT_CLAIM_HOURS = 72

MANDATE_SERVICES = (
    ("Pro plan", "Membership", "20"),
    ("Team plan", "Membership", "60"),
    ("Cloud storage", "Digital_Media", "10"),
    ("Music streaming", "Digital_Media", "12"),
    ("Office lease", "Lease", "900"),
    ("Car parking", "Car_Parking", "45"),
    ("Utility bill", "Utility", "150"),
    ("Loan repayment", "Repayment", "300"),
    ("Savings plan", "Investment", "100"),
    ("Mobile plan", "Mobile_Communication", "25"),
)
MANDATE_LIMITS = ("50", "100", "200", "500", "1000", "2000")
# contractTerminationWay codes: 0 by user, 1 auto expiry, 2 operations team, 3 merchant API.
TERMINATION_WAYS = (
    ("0", "customer cancelled in the Binance app"),
    ("3", "subscription cancelled by merchant"),
    ("3", "customer downgraded to free plan"),
    ("2", "terminated by Binance operations"),
)
DEBIT_FAIL = (("LOW_BALANCE", "payer balance is not enough"), ("406212", "contract not signed"))
