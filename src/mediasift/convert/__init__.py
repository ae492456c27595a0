"""Conversions: a media written in another format (``targets.py`` lists what becomes what).

From the original's bytes (``files.convert_file``): audio and video through PyAV (``av.py``),
previews and contact sheets of videos (``previews.py``), still images through Pillow
(``images.py``), office documents to PDF through LibreOffice and PDF pages to PNG
(``media/office.py``, below extraction, which renders slides' pictures with it too).
From what the catalog stored: transcripts (``transcripts.py``) and documents' structure
(``structure.py``). ``services/conversions.py`` runs them as jobs and keeps their outputs.
"""
