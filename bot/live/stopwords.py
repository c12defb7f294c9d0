"""Words a word cloud leaves out: Spanish, Portuguese and English function words.

Compared after folding (lower case, no accents), so "está" and "esta" are one entry.
"""

from __future__ import annotations

from i18n import fold

_SPANISH = """
a al algo algun alguna algunas alguno algunos ante antes asi aun bajo bien cada casi como con
contra cual cuales cuando de del desde donde dos el ella ellas ello ellos en entre era eran es
esa esas ese eso esos esta estaba estan estar estas este esto estos fue fueron ha hace hacia
han hasta hay la las le les lo los mas me mi mis mucho muy muchos nada ni no nos nosotros o otra
otras otro otros para pero poco por porque que quien se sea segun ser si sin sino sobre son su
sus tambien tan tanto te tiene tienen todo todos tu tus un una unas uno unos usted ustedes y ya
yo
"""
_PORTUGUESE = """
a ao aos as ate com como da das de dela dele deles demais depois do dos e ela elas ele eles em
entre era essa essas esse esses esta estao estas este estes eu foi foram ha isso isto ja la
lhe lhes mais mas me mesmo meu meus minha minhas muito muitos na nao nas nem no nos nossa nossas
nosso nossos num numa o os ou para pela pelas pelo pelos por porque pouco qual quando que quem
se sem ser seu seus so sua suas tambem te tem tudo um uma umas uns voce voces
"""
_ENGLISH = """
a about all an and are as at be but by for from has have i in is it its of on or our so that
the their there they this to was we were what which with you your
"""

STOP_WORDS = frozenset(fold(word) for word in (_SPANISH + _PORTUGUESE + _ENGLISH).split())
